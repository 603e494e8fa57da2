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
pub fn field_message(errors: &crate::error::FieldErrors, field: &str) -> String {
    errors.get(field).map(|m| m.join(" ")).unwrap_or_default()
}
