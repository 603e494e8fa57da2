//! Answers for what the portal serves out of the database rather than `static/`: a
//! partner's branding stylesheet and logo (SPEC §12), for Partner Hub's preview and for
//! the Control Hub of its customers alike.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A stylesheet answer, kept by the browser for a day (its address carries a version).
pub fn stylesheet(css: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        css,
    )
        .into_response()
}

/// A logo answer: its own type, never sniffed, and a policy that lets an SVG run and
/// load nothing even when opened by itself.
pub fn logo_response(bytes: Vec<u8>, content_type: String) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"logo\""),
    );
    r
}
