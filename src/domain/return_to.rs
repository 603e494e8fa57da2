//! Where to send a user after sign-in. Only relative, same-site paths are accepted, so
//! the sign-in page cannot be used as an open redirect.

/// Returns the path when it is a safe relative path on this site.
pub fn safe_return_path(candidate: &str) -> Option<&str> {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control() || c == '\\')
        && candidate.len() <= 2048
        && !candidate.starts_with("/login")
        && !candidate.starts_with("/logout");
    ok.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn relative_paths_are_kept() {
        assert_eq!(
            safe_return_path("/partner/customers?status=error"),
            Some("/partner/customers?status=error")
        );
    }

    #[test]
    fn other_sites_and_tricks_are_refused() {
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil",
            "/partner\r\nSet-Cookie: x",
            "",
            "/login",
            "/logout",
        ] {
            assert_eq!(safe_return_path(bad), None, "{bad:?}");
        }
    }
}
