//! Request input refused before any handler sees it: control characters in a query
//! parameter, a form field or a JSON string (`domain::text`). Each refusal is a field
//! error naming where the character was, so both doors can say so in their own shape.

use serde_json::Value;

use crate::domain::text::{CONTROL_CHARACTER, has_control_character};
use crate::error::{Field, FieldErrors};

/// Field errors for the url-encoded pairs (a query string or a form body) whose name or
/// value holds a control character; empty when there is none.
pub fn urlencoded_controls(encoded: &[u8]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    // Decoded leniently (invalid UTF-8 becomes U+FFFD), so a NUL beside a bad byte is
    // still found rather than slipping past a parser that gave up.
    for (key, value) in form_urlencoded::parse(encoded) {
        if has_control_character(&key) {
            once(&mut errors, Field::Other("parameter name".into()));
        } else if has_control_character(&value) {
            once(&mut errors, Field::Other(key.into_owned()));
        }
    }
    errors
}

/// Field errors for the strings (and object keys) of a JSON document that hold a
/// control character, named by their JSON path (`customerInfo.name`, `items[2]`).
pub fn json_controls(value: &Value) -> FieldErrors {
    let mut errors = FieldErrors::new();
    walk(value, String::new(), &mut errors);
    errors
}

fn flag(errors: &mut FieldErrors, path: &str) {
    let field = if path.is_empty() { "body" } else { path };
    once(errors, Field::Other(field.to_string()));
}

/// One refusal per field, however many of its characters are control characters.
fn once(errors: &mut FieldErrors, field: Field) {
    if !errors.has(&field) {
        errors.add(field, CONTROL_CHARACTER);
    }
}

fn walk(value: &Value, path: String, errors: &mut FieldErrors) {
    match value {
        Value::String(s) if has_control_character(s) => flag(errors, &path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if has_control_character(key) {
                    flag(errors, &path);
                } else {
                    walk(item, child, errors);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The door's names of the refused fields, in order.
    fn keys(e: &FieldErrors) -> Vec<String> {
        e.iter()
            .map(|e| match &e.field {
                Field::Other(name) => name.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn query_and_form_pairs_with_control_characters_are_named() {
        let e = urlencoded_controls(b"q=acme%00&status=active");
        assert_eq!(keys(&e), ["q"]);
        assert!(urlencoded_controls(b"q=acme+dental&page=2").is_empty());
        assert!(urlencoded_controls(b"").is_empty());
        let e = urlencoded_controls(b"a%01b=1");
        assert_eq!(keys(&e), ["parameter name"]);
        // Invalid UTF-8 does not hide a NUL beside it.
        let e = urlencoded_controls(b"name=%FF%00x");
        assert_eq!(keys(&e), ["name"]);
        // A line break in a text area is text.
        assert!(urlencoded_controls(b"note=one%0D%0Atwo").is_empty());
    }

    #[test]
    fn json_strings_with_control_characters_are_named_by_path() {
        let v = json!({
            "customerInfo": {"name": "Acme\u{0}", "primaryEmail": "a@b.co"},
            "packages": ["common_area_calling", "x\u{1b}"],
            "ok": 3
        });
        let e = json_controls(&v);
        assert_eq!(keys(&e), ["customerInfo.name", "packages[1]"]);
        assert!(json_controls(&json!({"name": "Acme", "n": [1, "two"]})).is_empty());
        assert_eq!(keys(&json_controls(&json!("\u{0}"))), ["body"]);
    }
}
