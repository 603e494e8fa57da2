//! What text we accept at all. Control characters (NUL, escape, backspace, DEL and the
//! C1 range) have no place in names, emails, searches or filters: PostgreSQL refuses
//! NUL outright, and the others corrupt what is shown, logged and exported. Tab and line
//! breaks are ordinary text.

/// The message every door shows beside a field that holds one.
pub const CONTROL_CHARACTER: &str = "contains a control character (such as a NUL byte), which is not allowed; remove it and try again.";

/// True when `s` holds a control character other than tab, line feed or carriage return.
pub fn has_control_character(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_and_ordinary_text_passes() {
        for bad in ["a\0b", "\u{1b}[31m", "x\u{7f}", "\u{85}", "back\u{8}space"] {
            assert!(has_control_character(bad), "{bad:?}");
        }
        for good in ["", "Acme Dental", "line\r\nbreak\tand tab", "مرحبا", "é"] {
            assert!(!has_control_character(good), "{good:?}");
        }
    }
}
