//! Small pieces every form page uses: select options and optional text fields.

/// One `<option>` of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (value, label) pairs, with `current` selected.
pub fn choices(items: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// A text field's value, `None` when left empty.
pub fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The messages of one field, joined for display beside it.
pub fn field_message(errors: &crate::web::fields::FormErrors, field: &str) -> String {
    errors.get(field).map(|m| m.join(" ")).unwrap_or_default()
}

// ── Reading forms ───────────────────────────────────────────────────────────────────
//
// Every page handler reads its form or query through these, never through axum's own
// extractors: a control character in any field is refused at the door as a field error
// (it would otherwise reach PostgreSQL), and a form that cannot be read answers our 400
// page instead of axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::web::fields::FormErrors;

/// Said when a body is not a url-encoded form or does not have the form's fields.
const UNREADABLE: &str = "The form could not be read. Go back, reload the page and send it again.";

async fn form_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    let is_form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::field("form", UNREADABLE));
    }
    Bytes::from_request(req, state).await.map_err(|e| {
        tracing::debug!(error = %e, "form body unreadable");
        AppError::field("form", "The form is too large.")
    })
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        tracing::debug!(error = %e, "form fields unreadable");
        AppError::field("form", UNREADABLE)
    })
}

/// A body read by a handler itself (after its own checks of who may ask): the same
/// refusals as `Form`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    refuse_controls(body)?;
    decode(body)
}

/// A control character in any field refuses the whole form.
fn refuse_controls(body: &[u8]) -> Result<(), AppError> {
    let controls = crate::http::input::urlencoded_controls(body);
    if controls.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(controls))
    }
}

/// `parse`, with an unreadable form said as `message` beside `field` (a form whose one
/// field has a type, such as an id from a select).
pub fn parse_or<T: DeserializeOwned>(
    body: &[u8],
    field: &str,
    message: &str,
) -> Result<T, AppError> {
    refuse_controls(body)?;
    serde_urlencoded::from_bytes(body).map_err(|_| AppError::field(field, message))
}

/// A url-encoded form, refused with the 400 page (naming the field) when a field holds
/// a control character.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        parse(&form_bytes(req, state).await?).map(Form)
    }
}

/// A form whose page shows a control character beside its field, keeping everything
/// typed: `controls` names the fields that hold one (empty when none do), and the
/// handler must refuse the form when it is not empty.
pub struct CheckedForm<T> {
    pub form: T,
    pub controls: FormErrors,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CheckedForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = form_bytes(req, state).await?;
        let controls = crate::http::input::urlencoded_controls(&bytes);
        Ok(CheckedForm {
            form: decode(&bytes)?,
            controls: crate::web::fields::form_errors(controls),
        })
    }
}

/// A query string (control characters are refused by middleware before this runs);
/// one that does not fit answers the 400 page.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
            .map(Query)
            .map_err(|e| {
                tracing::debug!(error = %e, "query unreadable");
                AppError::field(
                    "address",
                    "The address has a parameter this page does not understand.",
                )
            })
    }
}

/// A multipart upload form (a file with its fields). A body that is not one is refused
/// at `field`, the upload control, saying to send the form from its page.
pub async fn multipart_upload(
    req: axum::extract::Request,
    field: &str,
    what: &str,
) -> Result<axum::extract::Multipart, AppError> {
    <axum::extract::Multipart as FromRequest<()>>::from_request(req, &())
        .await
        .map_err(|_| {
            AppError::field(
                field,
                format!("Send the {what} with the form on this page (a multipart upload)."),
            )
        })
}
