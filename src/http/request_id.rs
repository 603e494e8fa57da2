//! The request id: set by tower-http from `x-request-id` (or a fresh UUID), made
//! available to error pages and logs for the duration of the request.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: &str = "x-request-id";

/// A client's request id is kept only when it is a UUID or 1–64 characters of
/// `[A-Za-z0-9._-]`: it is written into logs and audit rows, and anything else could
/// forge log lines or carry markup.
pub fn acceptable(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
        || (!id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
}

/// Drops a client's `x-request-id` that is not `acceptable` (or comes more than once),
/// so that a fresh one is made.
pub async fn sanitize(mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let mut given = headers.get_all(HEADER).iter();
    let keep = match (given.next(), given.next()) {
        (Some(v), None) => v.to_str().is_ok_and(acceptable),
        (None, _) => true,
        _ => false,
    };
    if !keep {
        req.headers_mut().remove(HEADER);
    }
    next.run(req).await
}

/// The current request's id, or "-" outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".into())
}

pub async fn scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    REQUEST_ID
        .scope(id, tracing::Instrument::instrument(next.run(req), span))
        .await
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_plain_short_ids_are_kept() {
        assert!(acceptable("3f2b8c1e-8d7a-4c4e-9a65-0f1e2d3c4b5a"));
        assert!(acceptable("lb-7f3a.2026_12"));
        for bad in [
            "",
            "a b",
            "x\nforged log line",
            "<script>",
            "id;drop",
            &"a".repeat(65),
        ] {
            assert!(!acceptable(bad), "{bad:?}");
        }
    }
}
