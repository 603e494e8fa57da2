//! Reading the API's request bodies: JSON only (`Content-Type: application/json` or a
//! `+json` type, else 415), and no control character in any string (a field error
//! naming its JSON path, else a NUL would reach PostgreSQL and answer 500).

use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::error::AppError;

/// True for `application/json` and `application/<anything>+json`, with any parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A request that sends a body (or says it does) must say it is JSON: 415 otherwise,
/// before any handler reads it.
pub async fn require_json(req: Request, next: Next) -> Response {
    let sends_body = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH)
        && (req.headers().contains_key(header::CONTENT_TYPE)
            || req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|n| n.trim() != "0")
            || req.headers().contains_key(header::TRANSFER_ENCODING));
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json);
    if sends_body && !json {
        return ApiError(AppError::UnsupportedMediaType).into_response();
    }
    next.run(req).await
}

/// A JSON body as `T`: an empty body, JSON that does not parse or does not fit `T`, and
/// strings holding control characters are field errors (400). `what` names the object
/// the body should be ("customer"), for the message.
pub fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::field(
            "body",
            format!("The request body is empty; send the {what} as a JSON object."),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        AppError::field("body", format!("The request body is not valid JSON: {e}."))
    })?;
    let controls = crate::http::input::json_controls(&value);
    if !controls.is_empty() {
        return Err(AppError::Validation(controls));
    }
    serde_json::from_value(value).map_err(|e| {
        AppError::field(
            "body",
            format!("The request body is not a valid JSON {what}: {e}."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognised() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "json",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn bodies_are_parsed_and_control_characters_named() {
        #[derive(serde::Deserialize, Debug)]
        struct Named {
            #[allow(dead_code)]
            name: String,
        }
        assert!(parse::<Named>(br#"{"name":"Acme"}"#, "thing").is_ok());
        let Err(AppError::Validation(e)) = parse::<Named>(br#"{"name":"Ac\u0000me"}"#, "thing")
        else {
            panic!("a NUL is refused")
        };
        assert!(e.contains_key("name"));
        assert!(matches!(
            parse::<Named>(b"  ", "thing"),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            parse::<Named>(b"{", "thing"),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            parse::<Named>(br#"{"name":3}"#, "thing"),
            Err(AppError::Validation(_))
        ));
    }
}
