//! Formatting helpers the templates call. Times are printed in UTC inside `<time>`
//! elements; a small script shows them in the viewer's own time zone.

use time::OffsetDateTime;
use time::macros::format_description;

pub fn datetime(t: &OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

pub fn date(t: &OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// Machine-readable form for `<time datetime="...">`.
pub fn iso(t: &OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub fn opt(s: &Option<String>) -> &str {
    match s.as_deref() {
        Some(v) if !v.is_empty() => v,
        _ => "—",
    }
}

/// A locale by its name (`English (United States)`), or a dash when there is none.
pub fn language(s: &Option<String>) -> &str {
    match s.as_deref() {
        Some(v) if !v.is_empty() => crate::domain::locales::name(v),
        _ => "—",
    }
}
