//! Languages (SPEC §6). A customer's language is a five-character locale `ll_CC`; partners
//! may also send a bare two-letter language, which is completed from the onboarding
//! template's country so that a Canadian template asking for `fr` gets Canadian French.
//! The meeting site supports fewer languages than the org, so it has its own rule.

use std::fmt;

/// Every supported locale, in the order SPEC §6 lists them.
pub const SUPPORTED: [&str; 29] = [
    "en_US", "en_AU", "en_GB", "en_CA", "fr_FR", "fr_CA", "cs_CZ", "da_DK", "de_DE", "hu_HU",
    "id_ID", "it_IT", "ja_JP", "ko_KR", "es_ES", "es_CO", "es_MX", "nl_NL", "nb_NO", "pl_PL",
    "pt_PT", "pt_BR", "ru_RU", "ro_RO", "zh_CN", "zh_TW", "sv_SE", "ar_SA", "tr_TR",
];

/// Each supported locale by the name people know it by, for pages (a locale code such as
/// `en_US` is never shown alone).
const NAMES: [(&str, &str); 29] = [
    ("en_US", "English (United States)"),
    ("en_AU", "English (Australia)"),
    ("en_GB", "English (United Kingdom)"),
    ("en_CA", "English (Canada)"),
    ("fr_FR", "French (France)"),
    ("fr_CA", "French (Canada)"),
    ("cs_CZ", "Czech"),
    ("da_DK", "Danish"),
    ("de_DE", "German"),
    ("hu_HU", "Hungarian"),
    ("id_ID", "Indonesian"),
    ("it_IT", "Italian"),
    ("ja_JP", "Japanese"),
    ("ko_KR", "Korean"),
    ("es_ES", "Spanish (Spain)"),
    ("es_CO", "Spanish (Colombia)"),
    ("es_MX", "Spanish (Mexico)"),
    ("nl_NL", "Dutch"),
    ("nb_NO", "Norwegian Bokmål"),
    ("pl_PL", "Polish"),
    ("pt_PT", "Portuguese (Portugal)"),
    ("pt_BR", "Portuguese (Brazil)"),
    ("ru_RU", "Russian"),
    ("ro_RO", "Romanian"),
    ("zh_CN", "Chinese (Simplified)"),
    ("zh_TW", "Chinese (Traditional)"),
    ("sv_SE", "Swedish"),
    ("ar_SA", "Arabic"),
    ("tr_TR", "Turkish"),
];

/// The name of `locale` for display; an unknown value is shown as it is.
pub fn name(locale: &str) -> &str {
    NAMES
        .iter()
        .find(|(l, _)| *l == locale)
        .map_or(locale, |(_, n)| n)
}

/// Every supported locale as (code, name), in SPEC §6's order, for a picker.
pub fn choices() -> impl Iterator<Item = (String, String)> {
    SUPPORTED
        .iter()
        .map(|l| (l.to_string(), name(l).to_string()))
}

/// The locale a bare two-letter language becomes when the template's country does not
/// give a supported one (SPEC §6).
pub const TWO_LETTER_DEFAULTS: [(&str, &str); 21] = [
    ("en", "en_US"),
    ("fr", "fr_FR"),
    ("cs", "cs_CZ"),
    ("da", "da_DK"),
    ("de", "de_DE"),
    ("hu", "hu_HU"),
    ("id", "id_ID"),
    ("it", "it_IT"),
    ("ja", "ja_JP"),
    ("ko", "ko_KR"),
    ("es", "es_ES"),
    ("nl", "nl_NL"),
    ("nb", "nb_NO"),
    ("pl", "pl_PL"),
    ("pt", "pt_PT"),
    ("ru", "ru_RU"),
    ("ro", "ro_RO"),
    ("zh", "zh_CN"),
    ("sv", "sv_SE"),
    ("ar", "ar_SA"),
    ("tr", "tr_TR"),
];

/// Locales the org may use but the meeting site may not; the site falls back to English.
const NOT_ON_MEETING_SITE: [&str; 4] = ["es_CO", "id_ID", "nb_NO", "pt_PT"];

/// Whether `locale` is exactly one of the supported locales (`en_US`, not `en-us`).
pub fn is_supported(locale: &str) -> bool {
    SUPPORTED.contains(&locale)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocaleError {
    /// The value as given (trimmed).
    Unsupported(String),
}

impl fmt::Display for LocaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HINT: &str =
            "Use a supported locale such as en_US or a two-letter language code such as fr.";
        match self {
            LocaleError::Unsupported(v) if v.is_empty() => {
                write!(f, "No language was given. {HINT}")
            }
            LocaleError::Unsupported(v) => write!(f, "“{v}” is not a supported language. {HINT}"),
        }
    }
}

impl std::error::Error for LocaleError {}

/// Turns a requested language into a supported locale.
///
/// - `ll_CC` (or `ll-CC`, any case) is accepted when it is a supported locale, and
///   returned in canonical form (`EN-us` → `en_US`);
/// - `ll` becomes `ll_<template country>` when that is supported (`fr` + CA → `fr_CA`),
///   otherwise the default for `ll` (`de` + AT → `de_DE`);
/// - anything else, including an explicit but unsupported `ll_CC`, is refused: the
///   partner asked for that exact variant, so silently giving another would surprise.
pub fn resolve(requested: &str, template_country: &str) -> Result<String, LocaleError> {
    let value = requested.trim();
    let unsupported = || LocaleError::Unsupported(value.to_string());
    if !value.is_ascii() {
        return Err(unsupported());
    }
    let bytes = value.as_bytes();
    match bytes.len() {
        5 if matches!(bytes[2], b'_' | b'-') => {
            let candidate = format!(
                "{}_{}",
                value[..2].to_ascii_lowercase(),
                value[3..].to_ascii_uppercase()
            );
            SUPPORTED
                .iter()
                .find(|s| **s == candidate)
                .map(|s| s.to_string())
                .ok_or_else(unsupported)
        }
        2 if bytes.iter().all(u8::is_ascii_alphabetic) => {
            let language = value.to_ascii_lowercase();
            let with_country = format!(
                "{language}_{}",
                template_country.trim().to_ascii_uppercase()
            );
            if is_supported(&with_country) {
                return Ok(with_country);
            }
            TWO_LETTER_DEFAULTS
                .iter()
                .find(|(l, _)| *l == language)
                .map(|(_, locale)| locale.to_string())
                .ok_or_else(unsupported)
        }
        _ => Err(unsupported()),
    }
}

/// The meeting site's language for an org locale: the same locale where the site
/// supports it, otherwise English (`en_US`), also for anything unsupported.
pub fn meeting_site_locale(org_locale: &str) -> &'static str {
    if NOT_ON_MEETING_SITE.contains(&org_locale) {
        return "en_US";
    }
    SUPPORTED
        .iter()
        .find(|s| **s == org_locale)
        .copied()
        .unwrap_or("en_US")
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_supported_locale_has_a_name() {
        for l in SUPPORTED {
            assert_ne!(name(l), l, "{l} has no name");
        }
        assert_eq!(name("en_US"), "English (United States)");
        assert_eq!(name("xx_YY"), "xx_YY");
    }

    use super::*;

    fn ok(requested: &str, country: &str) -> String {
        resolve(requested, country).unwrap_or_else(|e| panic!("{requested} + {country}: {e}"))
    }

    #[test]
    fn there_are_twenty_nine_supported_locales_all_distinct() {
        let mut sorted = SUPPORTED.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 29);
    }

    #[test]
    fn is_supported_is_an_exact_match() {
        assert!(is_supported("en_US"));
        assert!(is_supported("zh_TW"));
        assert!(!is_supported("en-US"));
        assert!(!is_supported("en_us"));
        assert!(!is_supported("en"));
        assert!(!is_supported(""));
    }

    #[test]
    fn every_two_letter_language_has_its_default_when_the_country_does_not_help() {
        let expected = [
            ("en", "en_US"),
            ("fr", "fr_FR"),
            ("cs", "cs_CZ"),
            ("da", "da_DK"),
            ("de", "de_DE"),
            ("hu", "hu_HU"),
            ("id", "id_ID"),
            ("it", "it_IT"),
            ("ja", "ja_JP"),
            ("ko", "ko_KR"),
            ("es", "es_ES"),
            ("nl", "nl_NL"),
            ("nb", "nb_NO"),
            ("pl", "pl_PL"),
            ("pt", "pt_PT"),
            ("ru", "ru_RU"),
            ("ro", "ro_RO"),
            ("zh", "zh_CN"),
            ("sv", "sv_SE"),
            ("ar", "ar_SA"),
            ("tr", "tr_TR"),
        ];
        for (language, locale) in expected {
            assert_eq!(ok(language, "XX"), locale, "{language}");
            assert_eq!(ok(language, ""), locale, "{language} without a country");
        }
        assert_eq!(TWO_LETTER_DEFAULTS.len(), expected.len());
    }

    #[test]
    fn every_default_is_itself_a_supported_locale() {
        for (_, locale) in TWO_LETTER_DEFAULTS {
            assert!(is_supported(locale), "{locale}");
        }
    }

    #[test]
    fn a_two_letter_language_takes_the_template_country_when_that_is_supported() {
        assert_eq!(ok("fr", "CA"), "fr_CA");
        assert_eq!(ok("en", "GB"), "en_GB");
        assert_eq!(ok("en", "AU"), "en_AU");
        assert_eq!(ok("pt", "BR"), "pt_BR");
        assert_eq!(ok("es", "CO"), "es_CO");
        assert_eq!(ok("es", "MX"), "es_MX");
        assert_eq!(ok("zh", "TW"), "zh_TW");
    }

    #[test]
    fn a_two_letter_language_falls_back_to_its_default_when_the_country_variant_is_unsupported() {
        assert_eq!(ok("de", "AT"), "de_DE");
        assert_eq!(ok("fr", "BE"), "fr_FR");
        assert_eq!(ok("en", "IN"), "en_US");
        assert_eq!(ok("en", "XX"), "en_US");
        assert_eq!(ok("es", "US"), "es_ES");
    }

    #[test]
    fn case_and_spaces_do_not_matter_for_the_language_or_the_template_country() {
        assert_eq!(ok(" FR ", "ca"), "fr_CA");
        assert_eq!(ok("En", " gb "), "en_GB");
    }

    #[test]
    fn a_supported_five_character_locale_is_returned_as_is() {
        for locale in SUPPORTED {
            assert_eq!(ok(locale, "US"), locale);
        }
        // The template country never overrides an explicit locale.
        assert_eq!(ok("fr_FR", "CA"), "fr_FR");
    }

    #[test]
    fn a_hyphen_and_any_case_are_normalised_to_the_canonical_form() {
        assert_eq!(ok("en-US", "US"), "en_US");
        assert_eq!(ok("EN_us", "US"), "en_US");
        assert_eq!(ok("pt-br", "PT"), "pt_BR");
        assert_eq!(ok("  zh_tw\n", "CN"), "zh_TW");
    }

    #[test]
    fn an_explicit_five_character_locale_that_is_not_supported_is_refused() {
        assert_eq!(
            resolve("en_XX", "US"),
            Err(LocaleError::Unsupported("en_XX".into()))
        );
        assert_eq!(
            resolve("de_AT", "AT"),
            Err(LocaleError::Unsupported("de_AT".into()))
        );
    }

    #[test]
    fn an_unknown_two_letter_language_is_refused() {
        assert_eq!(
            resolve("xx", "US"),
            Err(LocaleError::Unsupported("xx".into()))
        );
        // A country whose only locale is in another language does not help.
        assert!(resolve("el", "GR").is_err());
    }

    #[test]
    fn empty_and_malformed_values_are_refused() {
        for bad in [
            "", "   ", "e", "eng", "en_", "en US", "en.US", "e1", "en_USA", "ñn", "én_US",
        ] {
            assert!(resolve(bad, "US").is_err(), "{bad:?}");
        }
        assert_eq!(
            resolve("  ", "US"),
            Err(LocaleError::Unsupported(String::new()))
        );
    }

    #[test]
    fn the_error_names_the_value_and_the_accepted_forms() {
        let message = resolve("xx_YY", "US").unwrap_err().to_string();
        assert_eq!(
            message,
            "“xx_YY” is not a supported language. Use a supported locale such as en_US \
             or a two-letter language code such as fr."
        );
        let empty = resolve("", "US").unwrap_err().to_string();
        assert!(empty.starts_with("No language was given."), "{empty}");
    }

    #[test]
    fn the_meeting_site_is_english_for_the_four_locales_it_lacks() {
        for locale in ["es_CO", "id_ID", "nb_NO", "pt_PT"] {
            assert!(is_supported(locale));
            assert_eq!(meeting_site_locale(locale), "en_US", "{locale}");
        }
    }

    #[test]
    fn the_meeting_site_keeps_every_other_supported_locale() {
        let kept = SUPPORTED
            .into_iter()
            .filter(|l| meeting_site_locale(l) == *l)
            .count();
        assert_eq!(kept, 25);
        assert_eq!(meeting_site_locale("pt_BR"), "pt_BR");
        assert_eq!(meeting_site_locale("es_MX"), "es_MX");
        assert_eq!(meeting_site_locale("fr_CA"), "fr_CA");
    }

    #[test]
    fn the_meeting_site_is_english_for_anything_unsupported() {
        for other in ["", "xx_YY", "en-GB", "fr", "de_AT"] {
            assert_eq!(meeting_site_locale(other), "en_US", "{other:?}");
        }
    }
}
