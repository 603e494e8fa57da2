//! The API's error body (SPEC §9), the vendor's shape:
//! `{"message": "...", "errors": [{"errorCode": N, "description": "..."}], "trackingId": "..."}`
//! with the status from `AppError::status()`, `WWW-Authenticate: Bearer` on 401 and
//! `Retry-After` on 429. Billing report errors carry `code` instead of `errorCode`, as the
//! vendor's do (`BillingApiError`).

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::fields;
use crate::error::{AppError, FieldError, FieldErrors};

pub use super::codes;

/// An `AppError` rendered as the API's JSON error body.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError(AppError::from(e))
    }
}

/// An `AppError` rendered as the billing reports' error body (`code` for `errorCode`;
/// a missing report is the vendor's 2024).
#[derive(Debug)]
pub struct BillingApiError(pub AppError);

impl From<AppError> for BillingApiError {
    fn from(e: AppError) -> Self {
        BillingApiError(e)
    }
}

impl From<sqlx::Error> for BillingApiError {
    fn from(e: sqlx::Error) -> Self {
        BillingApiError(AppError::from(e))
    }
}

/// Which key carries the code in `errors[]`.
#[derive(Clone, Copy)]
enum CodeKey {
    ErrorCode,
    Code,
}

/// A refusal that holds a conflict (a duplicate external id, even one only the unique
/// index caught) answers 409 with just its conflicts, as a conflict found before any other
/// check would; every other error stays as it is.
fn as_answered(e: AppError) -> AppError {
    match e {
        AppError::Validation(errors) if errors.iter().any(|e| e.conflict) => AppError::Conflict(
            errors
                .iter()
                .filter(|e| e.conflict)
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => other,
    }
}

/// Invalid input's refusals in the order of their JSON paths, so that a body's errors
/// read in the same order whatever order the checks ran in.
fn by_path(errors: &FieldErrors) -> Vec<(String, &FieldError)> {
    let mut out: Vec<(String, &FieldError)> = errors
        .iter()
        .map(|e| (fields::json_path(&e.field), e))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The `errors[]` entries for an error: one per field message for invalid input.
fn entries(e: &AppError) -> Vec<(u32, String)> {
    match e {
        AppError::Validation(errors) => by_path(errors)
            .into_iter()
            .map(|(_, e)| fields::entry(e))
            .collect(),
        AppError::Conflict(m) => vec![(codes::CONFLICT, m.clone())],
        other => vec![(codes::for_status(other.status()), other.public_message())],
    }
}

/// The body's `message`: invalid input names each field by its JSON path.
fn message(e: &AppError) -> String {
    match e {
        AppError::Validation(errors) => by_path(errors)
            .into_iter()
            .map(|(path, e)| format!("{path}: {}", e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.public_message(),
    }
}

/// The JSON error response; `trackingId` is the request id, as on the error pages.
fn body(status: StatusCode, message: String, errors: &[(u32, String)], key: CodeKey) -> Response {
    let key = match key {
        CodeKey::ErrorCode => "errorCode",
        CodeKey::Code => "code",
    };
    let errors: Vec<serde_json::Value> = errors
        .iter()
        .map(|(code, description)| json!({ key: code, "description": description }))
        .collect();
    let mut response = (
        status,
        axum::Json(json!({
            "message": message,
            "errors": errors,
            "trackingId": crate::http::request_id::current(),
        })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn render(e: AppError, key: CodeKey, errors: Vec<(u32, String)>) -> Response {
    e.log();
    let status = e.status();
    let mut response = body(status, message(&e), &errors, key);
    if let AppError::TooManyRequests {
        retry_after_secs, ..
    } = e
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after_secs.into());
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = as_answered(self.0);
        let errors = entries(&e);
        render(e, CodeKey::ErrorCode, errors)
    }
}

impl IntoResponse for BillingApiError {
    fn into_response(self) -> Response {
        let e = as_answered(self.0);
        let errors = match &e {
            AppError::NotFound => vec![(
                codes::BILLING_REPORT_NOT_FOUND,
                codes::BILLING_REPORT_NOT_FOUND_TEXT.to_string(),
            )],
            e => entries(e),
        };
        render(e, CodeKey::Code, errors)
    }
}

/// A billing error body of one entry, for answers no `AppError` describes (a download
/// link that expired or was changed).
pub fn billing_body(status: StatusCode, description: &str, code: u32) -> Response {
    body(
        status,
        description.to_string(),
        &[(code, description.to_string())],
        CodeKey::Code,
    )
}

/// For `state::Renderers`.
pub fn render_error(err: AppError) -> Response {
    ApiError(err).into_response()
}

/// The API's fallback: any `/v1` path without a route.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

/// Error responses that did not come from `ApiError` — axum's own 405, an extractor's
/// plain-text rejection (bad JSON, wrong content type), a bare 500 — get the API's JSON
/// body too, keeping their status and headers (`Allow`, `Retry-After`).
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body_in) = response.into_parts();
    let text = to_bytes(body_in, 2048)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status.as_u16() {
        401 => AppError::Unauthenticated.public_message(),
        403 => AppError::Forbidden.public_message(),
        404 => AppError::NotFound.public_message(),
        405 => "This resource does not support the request's method.".into(),
        413 => "The request body is too large.".into(),
        415 => "The request body must be JSON (Content-Type: application/json).".into(),
        s if (400..500).contains(&s) => "The request is invalid.".into(),
        503 => AppError::Sqlx(sqlx::Error::PoolTimedOut).public_message(),
        _ => AppError::Other(anyhow::anyhow!("")).public_message(),
    };
    // A client error's text says what was wrong with the request; a server error's may
    // say things about us, and is not shown.
    let description = if status.is_client_error() && !text.is_empty() {
        text
    } else {
        message.clone()
    };
    if status.is_server_error() {
        tracing::error!(%status, "an error response below the API handlers");
    }
    let mut out = body(
        status,
        message,
        &[(codes::for_status(status), description)],
        CodeKey::ErrorCode,
    );
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::{AddressPart, Field};
    use crate::services::customer::rules;

    async fn json_of(r: Response) -> serde_json::Value {
        let bytes = to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn invalid_input_gives_one_entry_per_field_message_naming_the_field() {
        let mut errors = FieldErrors::new();
        errors.push(rules::email_in_use());
        errors.add(Field::PrimaryEmail, "is not an email address");
        errors.add(Field::Address(AddressPart::Line1), "at most 50 characters");
        let r = ApiError(AppError::Validation(errors)).into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v = json_of(r).await;
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0]["errorCode"], codes::INVALID_INPUT);
        assert_eq!(
            errors[0]["description"],
            "address.addressLine1: at most 50 characters"
        );
        assert_eq!(errors[1]["errorCode"], codes::EMAIL_IN_USE);
        assert_eq!(errors[1]["description"], rules::EMAIL_IN_USE);
        assert_eq!(
            errors[2]["description"],
            "customerInfo.primaryEmail: is not an email address"
        );
        assert!(v["message"].as_str().unwrap().contains("addressLine1"));
        assert!(v.get("trackingId").is_some());
    }

    #[tokio::test]
    async fn a_duplicate_external_id_is_a_conflict_whatever_else_is_refused() {
        let mut errors = FieldErrors::new();
        errors.add(Field::Address(AddressPart::City), "Enter the city.");
        errors.push(rules::external_id_duplicate("EXT-9"));
        let r = ApiError(AppError::Validation(errors)).into_response();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let v = json_of(r).await;
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{v:#}");
        assert_eq!(errors[0]["errorCode"], codes::CONFLICT);
        assert_eq!(
            errors[0]["description"],
            rules::external_id_taken("EXT-9").as_str()
        );
    }

    #[tokio::test]
    async fn unauthenticated_asks_for_a_bearer_token_and_rate_limits_say_when_to_retry() {
        let r = ApiError(AppError::Unauthenticated).into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let r = ApiError(AppError::TooManyRequests {
            message: "Slow down.".into(),
            retry_after_secs: 30,
        })
        .into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "30");
        assert_eq!(json_of(r).await["errors"][0]["errorCode"], 1429);
    }

    #[tokio::test]
    async fn billing_errors_use_code_and_the_vendors_not_found() {
        let v = json_of(BillingApiError(AppError::NotFound).into_response()).await;
        assert_eq!(v["errors"][0]["code"], 2024);
        assert_eq!(v["errors"][0]["description"], "Billing Report not found.");
        assert!(v["errors"][0].get("errorCode").is_none());
    }

    #[test]
    fn internal_errors_show_only_a_generic_message() {
        let e = AppError::Other(anyhow::anyhow!("secret detail"));
        let (code, description) = entries(&e).remove(0);
        assert_eq!(code, codes::INTERNAL);
        assert!(!description.contains("secret"));
    }
}
