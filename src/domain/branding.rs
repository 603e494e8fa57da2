//! A partner's branding (SPEC §12): its colours, checked and written in one form only
//! (`#rrggbb`), the text colour that reads on each, its support address, and what a
//! logo file is. Branding reaches pages only as CSS custom properties in a stylesheet of
//! its own (`web::branding`), never as text inside a style block or attribute.

/// What a Control Hub page needs of the managing partner's branding to link it: the
/// version (in the stylesheet's and logo's addresses), whether there is a logo, and
/// the support address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandingRef {
    /// The partner (or sub-partner) whose branding it is.
    pub partner: String,
    pub version: i64,
    pub has_logo: bool,
    pub support_url: Option<String>,
}

/// Largest logo, in bytes.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Longest support address, in characters.
pub const MAX_SUPPORT_URL: usize = 500;

/// `#rrggbb` (or `#rgb`), any case, as `#rrggbb` in lower case; anything else is `None`.
pub fn parse_colour(s: &str) -> Option<String> {
    let hex = s.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let full = match hex.len() {
        6 => hex.to_ascii_lowercase(),
        3 => hex
            .chars()
            .flat_map(|c| [c, c])
            .collect::<String>()
            .to_ascii_lowercase(),
        _ => return None,
    };
    Some(format!("#{full}"))
}

/// WCAG relative luminance of a `#rrggbb` colour.
fn luminance(colour: &str) -> f64 {
    let channel = |i: usize| {
        let v = u8::from_str_radix(&colour[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

fn contrast(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    (hi + 0.05) / (lo + 0.05)
}

/// The text colour (white or near-black) that reads best on `background` (`#rrggbb`).
pub fn text_on(background: &str) -> &'static str {
    let bg = luminance(background);
    let (white, dark) = (1.0, luminance("#111418"));
    if contrast(bg, white) >= contrast(bg, dark) {
        "#ffffff"
    } else {
        "#111418"
    }
}

/// A support address: absolute `https` (or `http`), no credentials, at most
/// `MAX_SUPPORT_URL` characters. Answers the address as kept, or why not.
pub fn check_support_url(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.chars().count() > MAX_SUPPORT_URL {
        return Err("Use at most 500 characters.");
    }
    let url = url::Url::parse(s)
        .map_err(|_| "Enter a full address such as https://support.example.com.")?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err("Enter a full address such as https://support.example.com.");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The address cannot carry a user name or password.");
    }
    Ok(url.to_string())
}

/// What an uploaded logo is: its content type, or why it is refused.
pub fn logo_type(bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("The file is empty.");
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err("The logo can be at most 256 KB.");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok("image/png");
    }
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return Ok("image/jpeg");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err("Upload a PNG, JPEG or SVG image.");
    };
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<svg") {
        return Err("Upload a PNG, JPEG or SVG image.");
    }
    svg_refusal(&lower).map_or(Ok("image/svg+xml"), Err)
}

/// Why an SVG (in lower case) is refused: anything that runs script, loads something
/// from elsewhere or declares entities. The logo is also served with a CSP that allows
/// nothing, and shown only through `<img>`, where an SVG runs no script anyway.
fn svg_refusal(lower: &str) -> Option<&'static str> {
    const SCRIPT: &str = "The SVG contains script: upload one without it.";
    const EXTERNAL: &str =
        "The SVG refers to other files or addresses: upload one that contains everything it shows.";
    if lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains("<foreignobject")
    {
        return Some(SCRIPT);
    }
    // An event handler attribute: ` onload=`, `\tonclick =`, …
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices("on") {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        if !before.is_some_and(|b| b.is_ascii_whitespace() || b == b'/' || b == b'"' || b == b'\'')
        {
            continue;
        }
        let rest = &lower[i + 2..];
        let name_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
            return Some(SCRIPT);
        }
    }
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        return Some("The SVG declares a document type or entities: upload one without them.");
    }
    if lower.contains("@import") || lower.contains("url(http") || lower.contains("url(//") {
        return Some(EXTERNAL);
    }
    for attr in ["href=", "href =", "src="] {
        for (i, _) in lower.match_indices(attr) {
            let value = lower[i + attr.len()..].trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            if !value.starts_with('#') {
                return Some(EXTERNAL);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_kept_as_lower_case_six_digit_hex_and_nothing_else_passes() {
        assert_eq!(parse_colour("#0B62D6").as_deref(), Some("#0b62d6"));
        assert_eq!(parse_colour(" #abc ").as_deref(), Some("#aabbcc"));
        for bad in [
            "red", "#12345", "#1234567", "0b62d6", "#ggg", "#fff;}", "#f f", "",
        ] {
            assert_eq!(parse_colour(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn text_reads_on_the_background() {
        assert_eq!(text_on("#000000"), "#ffffff");
        assert_eq!(text_on("#0b62d6"), "#ffffff");
        assert_eq!(text_on("#ffffff"), "#111418");
        assert_eq!(text_on("#ffd400"), "#111418");
    }

    #[test]
    fn support_addresses_are_full_web_addresses() {
        assert_eq!(
            check_support_url("https://help.example.com/start").unwrap(),
            "https://help.example.com/start"
        );
        for bad in [
            "help.example.com",
            "javascript:alert(1)",
            "ftp://example.com",
            "https://user:pw@example.com",
            "",
        ] {
            assert!(check_support_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn logos_are_png_jpeg_or_an_svg_without_script_or_outside_references() {
        assert_eq!(logo_type(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(logo_type(&[0xff, 0xd8, 0xff, 0xe0, 1, 2]), Ok("image/jpeg"));
        let plain = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10"/><use href="#g"/></svg>"##;
        assert_eq!(logo_type(plain), Ok("image/svg+xml"));
        for bad in [
            &br#"<svg><script>alert(1)</script></svg>"#[..],
            br#"<svg onload="alert(1)"></svg>"#,
            br#"<svg><rect ONCLICK = "x()"/></svg>"#,
            br#"<svg><a href="javascript:alert(1)">x</a></svg>"#,
            br#"<svg><image href="https://evil.example/x.png"/></svg>"#,
            br#"<svg><use xlink:href="other.svg#a"/></svg>"#,
            br#"<svg><style>@import url(https://evil.example/x.css);</style></svg>"#,
            br#"<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>"#,
            br#"<svg><foreignObject><div/></foreignObject></svg>"#,
            b"GIF89a....",
            b"plain text",
            b"",
        ] {
            assert!(logo_type(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(logo_type(&vec![0x89; MAX_LOGO_BYTES + 1]).is_err());
    }
}
