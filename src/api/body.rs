//! Reading the API's request bodies (`ApiBody`): JSON only (`Content-Type:
//! application/json` or a `+json` type, else 415), and no control character in any
//! string (a field error naming its JSON path, else a NUL would reach PostgreSQL and
//! answer 500).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
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

/// A request's body and its declared type, read without judging either: handlers
/// decide who may ask first, then read the body with `json`, so a refused caller learns
/// nothing about what it sent.
pub struct ApiBody {
    content_type: Option<String>,
    bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            tracing::debug!(error = %e, "API body unreadable");
            AppError::field(
                "body",
                "The request body could not be read (at most 2 MiB).",
            )
        })?;
        Ok(ApiBody {
            content_type,
            bytes,
        })
    }
}

impl ApiBody {
    /// The body as `T`: 415 unless it is declared JSON, then `parse`.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, AppError> {
        let empty = self.bytes.iter().all(u8::is_ascii_whitespace);
        if !empty && !self.content_type.as_deref().is_some_and(is_json) {
            return Err(AppError::UnsupportedMediaType);
        }
        parse(&self.bytes, what)
    }

    #[cfg(test)]
    pub fn for_test(content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        ApiBody {
            content_type: content_type.map(str::to_string),
            bytes: body.into(),
        }
    }
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
    if !value.is_object() {
        return Err(AppError::field(
            "body",
            format!("The request body must be a JSON object (the {what})."),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        AppError::field(
            "body",
            format!(
                "The request body is not a valid JSON {what}: {}.",
                without_type_names(&e.to_string())
            ),
        )
    })
}

/// serde says what it expected by our Rust type names ("expected struct LocationInput");
/// a client is told the JSON shape instead.
fn without_type_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = ["struct ", "enum "]
        .iter()
        .filter_map(|kw| rest.find(kw).map(|i| (i, *kw)))
        .min()
    {
        let (i, keyword) = at;
        let after = &rest[i + keyword.len()..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let is_type = after.starts_with(|c: char| c.is_ascii_uppercase());
        out.push_str(&rest[..i]);
        if is_type {
            out.push_str(if keyword == "struct " {
                "an object"
            } else {
                "one of the allowed values"
            });
            rest = &after[name_len..];
        } else {
            out.push_str(keyword);
            rest = after;
        }
    }
    out.push_str(rest);
    out
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
        assert!(e.has(&"name".into()));
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

    #[test]
    fn messages_name_json_shapes_not_rust_types() {
        assert_eq!(
            without_type_names(
                "invalid type: string \"x\", expected struct LocationInput at line 1"
            ),
            "invalid type: string \"x\", expected an object at line 1"
        );
        assert_eq!(
            without_type_names("unknown variant `x`, expected enum Kind"),
            "unknown variant `x`, expected one of the allowed values"
        );
        assert_eq!(
            without_type_names("a struct of lowercase"),
            "a struct of lowercase"
        );
        #[derive(serde::Deserialize, Debug)]
        struct Outer {
            #[allow(dead_code)]
            inner: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Inner {
            #[allow(dead_code)]
            n: u8,
        }
        let Err(AppError::Validation(e)) = parse::<Outer>(br#"{"inner": "x"}"#, "thing") else {
            panic!("refused")
        };
        let said = format!("{e:?}");
        assert!(
            !said.contains("Inner") && said.contains("an object"),
            "{said}"
        );
        let Err(AppError::Validation(e)) = parse::<serde_json::Value>(b"[1]", "thing") else {
            panic!("an array is no object")
        };
        assert!(format!("{e:?}").contains("JSON object"));
    }

    #[test]
    fn a_body_not_declared_json_is_415_and_an_empty_one_says_so() {
        let sent_as_text = ApiBody::for_test(Some("text/plain"), &br#"{"name":"Acme"}"#[..]);
        assert!(matches!(
            sent_as_text.json::<serde_json::Value>("thing"),
            Err(AppError::UnsupportedMediaType)
        ));
        let undeclared = ApiBody::for_test(None, &br#"{"name":"Acme"}"#[..]);
        assert!(matches!(
            undeclared.json::<serde_json::Value>("thing"),
            Err(AppError::UnsupportedMediaType)
        ));
        let empty = ApiBody::for_test(None, &b""[..]);
        assert!(matches!(
            empty.json::<serde_json::Value>("thing"),
            Err(AppError::Validation(_))
        ));
        let json = ApiBody::for_test(Some("application/json; charset=utf-8"), &b"{}"[..]);
        assert!(json.json::<serde_json::Value>("thing").is_ok());
    }
}
