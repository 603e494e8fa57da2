//! The pages' rendering of `AppError`: the error page with its status and the request
//! id; "sign in" is the sign-in page itself. (The API renders the same errors through
//! `api::ApiError`.)

use axum::response::{IntoResponse, Response};

use super::views::ErrorPage;
use crate::error::AppError;

/// For `state::Renderers`.
pub fn render(err: AppError) -> Response {
    err.into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        if let AppError::Unauthenticated = self {
            return axum::response::Redirect::to(crate::paths::LOGIN).into_response();
        }
        let mut response = ErrorPage::new(status, self.public_message()).into_response();
        *response.status_mut() = status;
        if let AppError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}
