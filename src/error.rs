//! One error type for the whole application (DESIGN convention 1). It knows its status
//! and the message a user may see, and nothing of HTML or JSON: each door renders it —
//! pages as an HTML error page carrying the request id (`web::error_page`), `/v1` as the
//! vendor's error body (`api::ApiError`).

use axum::http::StatusCode;

pub use crate::domain::fields::{Field, FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// A body in a format this address does not read (the API reads only JSON).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The address exists, but not for this method (a form's address opened directly).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request could not be read as the route expects (an id in the address that is
    /// no id, a body too large): an extractor's refusal, with its status.
    #[error("malformed request ({0})")]
    Malformed(StatusCode),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A single-field validation error.
    pub fn field(field: impl Into<Field>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field.into(), message);
        AppError::Validation(errors)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Malformed(status) => *status,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Sqlx(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Sqlx(_) | AppError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user may see: internal causes are logged, never shown.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Please sign in.".into(),
            AppError::Forbidden => "Your role does not allow this action.".into(),
            AppError::NotFound => "There is nothing here, or it is not yours to see.".into(),
            // Each door names typed fields itself; only a door's own names are known here.
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| match &e.field {
                    Field::Other(name) => format!("{name}: {}", e.message),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            AppError::Conflict(m) => m.clone(),
            AppError::UnsupportedMediaType => {
                "The request body must be JSON (Content-Type: application/json).".into()
            }
            AppError::MethodNotAllowed => {
                "This address receives a form; it cannot be opened directly. Go back and use the page's button.".into()
            }
            AppError::Malformed(status) if *status == StatusCode::BAD_REQUEST => {
                "This address is not one of ours: an id or a value in it is not valid. Go back and follow a link instead.".into()
            }
            AppError::Malformed(status) if *status == StatusCode::PAYLOAD_TOO_LARGE => {
                "What was sent is too large.".into()
            }
            AppError::Malformed(_) => "The request could not be read. Go back and try again.".into(),
            AppError::TooManyRequests { message, .. } => message.clone(),
            AppError::Sqlx(e) if is_unavailable(e) => {
                "The service is briefly unavailable. Please try again in a moment.".into()
            }
            AppError::Sqlx(_) | AppError::Other(_) => "Something went wrong on our side.".into(),
        }
    }

    /// Logs internal errors with their cause chain; expected outcomes are not logged.
    pub fn log(&self) {
        match self {
            AppError::Sqlx(e) => tracing::error!(error = %e, "database error"),
            AppError::Other(e) => tracing::error!(error = ?e, "internal error"),
            _ => {}
        }
    }
}

/// True when the database could not be reached (down, pool exhausted, connection lost),
/// as opposed to a bad query. Such errors answer 503.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
    ) || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
}

/// Maps a unique-constraint violation to a field error (DESIGN convention 1), leaving
/// every other error as it was.
pub fn on_constraint(
    constraint: &str,
    field: impl Into<Field>,
    message: &str,
) -> impl Fn(sqlx::Error) -> AppError {
    let (constraint, field, message) = (constraint.to_string(), field.into(), message.to_string());
    move |e| match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint.as_str()) => {
            AppError::field(field.clone(), &message)
        }
        _ => AppError::Sqlx(e),
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        // The session store is Postgres: a store failure is a database outage.
        AppError::Sqlx(sqlx::Error::Io(std::io::Error::other(e.to_string())))
    }
}
