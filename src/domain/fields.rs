//! Field errors as every check reports them, and the trimming of optional text the
//! checks share. Pages and the API show an error next to the field named by its key.

use crate::error::FieldErrors;

/// Adds `message` to the errors of `field`, keeping earlier ones.
pub fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_string())
        .or_default()
        .push(message.into());
}

/// The text with surrounding blanks removed; blank text counts as absent.
pub fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
