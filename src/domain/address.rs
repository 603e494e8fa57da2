//! A postal address as both doors deliver it (billing address, location address), and
//! the rules it must meet (SPEC §4.2).

use serde::{Deserialize, Serialize};

use crate::domain::countries;
use crate::domain::fields::{AddressPart, Field, FieldErrors, add, trimmed};

/// The vendor's limit for one address line.
pub const MAX_ADDRESS_LINE: usize = 50;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    #[serde(default)]
    pub address_line1: String,
    pub address_line2: Option<String>,
    #[serde(default)]
    pub city: String,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    #[serde(default)]
    pub country: String,
}

/// Checks an address; `field` names the field of each part its errors are reported
/// under (the billing address's, a location's).
pub fn check_address(
    a: &AddressInput,
    field: impl Fn(AddressPart) -> Field,
    errors: &mut FieldErrors,
) {
    if a.address_line1.trim().is_empty() {
        add(
            errors,
            field(AddressPart::Line1),
            "Enter the first address line.",
        );
    }
    for (part, value) in [
        (AddressPart::Line1, Some(&a.address_line1)),
        (AddressPart::Line2, a.address_line2.as_ref()),
    ] {
        if let Some(v) = value
            && v.trim().chars().count() > MAX_ADDRESS_LINE
        {
            add(
                errors,
                field(part),
                format!("An address line can be at most {MAX_ADDRESS_LINE} characters."),
            );
        }
    }
    if a.city.trim().is_empty() {
        add(errors, field(AddressPart::City), "Enter the city.");
    }
    check_region_and_postal_code(a, &field, errors);
    if a.country.trim().is_empty() {
        add(errors, field(AddressPart::Country), "Choose the country.");
    } else if !countries::is_valid(a.country.trim()) {
        add(
            errors,
            field(AddressPart::Country),
            format!(
                "“{}” is not an ISO 3166 two-letter country code.",
                a.country.trim()
            ),
        );
    }
}

/// What the countries whose addresses need a state or province and a postal code call
/// them: country, the region's name, the postal code's name, the country's name.
const REGION_AND_POSTAL_CODE: [(&str, &str, &str, &str); 2] = [
    ("US", "state", "ZIP code", "the United States"),
    ("CA", "province", "postal code", "Canada"),
];

/// US and Canadian addresses need their state or province and their ZIP or postal code
/// (mail, tax and emergency-services addresses are not deliverable without them).
fn check_region_and_postal_code(
    a: &AddressInput,
    field: &impl Fn(AddressPart) -> Field,
    errors: &mut FieldErrors,
) {
    let country = a.country.trim().to_ascii_uppercase();
    let Some((_, region, postal, name)) = REGION_AND_POSTAL_CODE
        .iter()
        .find(|(code, ..)| *code == country)
    else {
        return;
    };
    let blank = |v: &Option<String>| trimmed(v).is_none();
    if blank(&a.state_or_province) {
        add(
            errors,
            field(AddressPart::StateOrProvince),
            format!("Enter the {region}: addresses in {name} need one."),
        );
    }
    if blank(&a.zip_or_postal_code) {
        add(
            errors,
            field(AddressPart::ZipOrPostalCode),
            format!("Enter the {postal}: addresses in {name} need one."),
        );
    }
}

/// The address as it is stored: trimmed, blank optional parts absent.
pub fn clean_address(a: &AddressInput) -> AddressInput {
    AddressInput {
        address_line1: a.address_line1.trim().to_string(),
        address_line2: trimmed(&a.address_line2),
        city: a.city.trim().to_string(),
        state_or_province: trimmed(&a.state_or_province),
        zip_or_postal_code: trimmed(&a.zip_or_postal_code),
        country: a.country.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lines_longer_than_fifty_characters_are_refused() {
        let mut e = FieldErrors::new();
        let a = AddressInput {
            address_line1: "x".repeat(51),
            city: "C".into(),
            country: "US".into(),
            ..Default::default()
        };
        check_address(&a, Field::Address, &mut e);
        assert!(e.has(&Field::Address(AddressPart::Line1)));
        let mut e = FieldErrors::new();
        let a = AddressInput {
            address_line1: "x".repeat(50),
            city: "C".into(),
            state_or_province: Some("TX".into()),
            zip_or_postal_code: Some("73301".into()),
            country: "US".into(),
            ..Default::default()
        };
        check_address(&a, Field::Address, &mut e);
        assert!(e.is_empty());
    }

    fn address(country: &str, state: Option<&str>, zip: Option<&str>) -> AddressInput {
        AddressInput {
            address_line1: "1 Main Street".into(),
            city: "Springfield".into(),
            state_or_province: state.map(str::to_string),
            zip_or_postal_code: zip.map(str::to_string),
            country: country.into(),
            ..Default::default()
        }
    }

    fn refused(a: &AddressInput) -> Vec<(Field, String)> {
        let mut e = FieldErrors::new();
        check_address(a, Field::Address, &mut e);
        e.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn us_and_canadian_addresses_need_a_state_or_province_and_a_postal_code() {
        let state = Field::Address(AddressPart::StateOrProvince);
        let zip = Field::Address(AddressPart::ZipOrPostalCode);
        for (country, region, postal) in [
            ("US", "state", "ZIP code"),
            ("CA", "province", "postal code"),
        ] {
            let errors = refused(&address(country, None, Some("  ")));
            let fields: Vec<&Field> = errors.iter().map(|(f, _)| f).collect();
            assert_eq!(fields, [&state, &zip], "{country}");
            assert!(errors[0].1.contains(region), "{country}: {}", errors[0].1);
            assert!(errors[1].1.contains(postal), "{country}: {}", errors[1].1);
            assert!(refused(&address(country, Some("IL"), Some("62701"))).is_empty());
            // A lower-case country code is the same country.
            let lower = country.to_ascii_lowercase();
            assert_eq!(
                refused(&address(&lower, None, Some("1"))).len(),
                2,
                "{lower}"
            );
        }
        let location = |part| Field::Location(crate::domain::fields::LocationPart::Address(part));
        let mut e = FieldErrors::new();
        check_address(&address("CA", Some("ON"), None), location, &mut e);
        assert!(e.has(&location(AddressPart::ZipOrPostalCode)));
    }

    #[test]
    fn other_countries_may_leave_state_and_postal_code_out() {
        for country in ["GB", "DE", "IN", "SG"] {
            assert!(
                refused(&address(country, None, None)).is_empty(),
                "{country}"
            );
        }
    }
}
