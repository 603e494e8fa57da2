//! What passes for an email address before anyone tries to deliver to it.

/// Something@domain.tld, no blanks, at most 254 characters.
pub fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !s.contains(char::is_whitespace)
        && s.len() <= 254
}
