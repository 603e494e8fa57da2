//! CSRF protection for every state-changing request outside `/v1` (which uses bearer
//! tokens, not cookies): the request must come from our own origin (Origin /
//! Sec-Fetch-Site) and carry the session's synchronizer token, compared in constant time.
//! The token travels as the form field `csrf_token`, or the `x-csrf-token` header for
//! scripts and multipart uploads.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::session::AuthSession;
pub use super::session::new_csrf_token as new_token;
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";
/// Largest url-encoded form we buffer to find the token.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Largest multipart upload (a users CSV, `services::user_import::MAX_BYTES`, and its
/// form) we buffer to find the token.
pub const MAX_UPLOAD_BYTES: usize = crate::services::user_import::MAX_BYTES + 64 * 1024;

/// Paths that receive cross-site POSTs by design and carry their own proof.
pub fn exempt(path: &str) -> bool {
    path.starts_with("/v1/") || (path.starts_with("/login/sso/") && path.ends_with("/acs"))
}

fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|o| !host.is_empty() && o.eq_ignore_ascii_case(host))
        }
    }
}

fn refuse(message: &str) -> Response {
    let mut r = AppError::Forbidden.into_response();
    r.extensions_mut()
        .insert(crate::auth::extensions::RefusedBy("csrf"));
    tracing::warn!(reason = message, "CSRF check refused a request");
    r
}

pub async fn protect(session: Session, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || exempt(req.uri().path()) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        return refuse("cross-origin request");
    }
    let expected = match AuthSession(session).stored_csrf_token().await {
        Ok(Some(t)) => t,
        Ok(None) => return refuse("no token in session"),
        Err(e) => return e.into_response(),
    };
    let header_token = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (req, supplied) = match header_token {
        Some(t) => (req, Some(t)),
        None => {
            let content_type = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let is_form = content_type.starts_with("application/x-www-form-urlencoded");
            // A file upload without JS: the token is a field of the multipart body.
            let is_upload = content_type.starts_with("multipart/form-data");
            if !is_form && !is_upload {
                return refuse("no token supplied");
            }
            let (parts, body) = req.into_parts();
            let limit = if is_upload {
                MAX_UPLOAD_BYTES
            } else {
                MAX_FORM_BYTES
            };
            let Ok(bytes) = to_bytes(body, limit).await else {
                let message = if is_upload {
                    format!(
                        "The file is too large: an import reads at most {} MB. Split it into smaller files.",
                        crate::services::user_import::MAX_BYTES / 1_048_576
                    )
                } else {
                    "The form is too large.".to_string()
                };
                return AppError::field("file", message).into_response();
            };
            let token = if is_upload {
                multipart_value(&content_type, bytes.clone(), FIELD).await
            } else {
                form_urlencoded_value(&bytes, FIELD)
            };
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
    };
    match supplied {
        Some(t) if bool::from(t.as_bytes().ct_eq(expected.as_bytes())) => next.run(req).await,
        _ => refuse("token missing or wrong"),
    }
}

/// The text field `key` of a multipart body (file fields are passed over unread).
async fn multipart_value(content_type: &str, body: axum::body::Bytes, key: &str) -> Option<String> {
    use axum::extract::FromRequest;
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .ok()?;
    let mut form = axum::extract::Multipart::from_request(req, &())
        .await
        .ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(key) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_accepts_own_host_and_refuses_others() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(same_origin(&headers(&[("host", "hub.example")])));
        assert!(!same_origin(&headers(&[
            ("host", "hub.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "hub.example"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "hub.example"),
            ("origin", "null")
        ])));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert!(a.len() >= 43);
        assert_ne!(a, b);
    }

    #[test]
    fn the_token_is_found_among_form_fields() {
        assert_eq!(
            form_urlencoded_value(b"a=1&csrf_token=xyz&b=2", FIELD).as_deref(),
            Some("xyz")
        );
        assert_eq!(form_urlencoded_value(b"a=1", FIELD), None);
    }
}
