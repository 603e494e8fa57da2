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
            country: "US".into(),
            ..Default::default()
        };
        check_address(&a, Field::Address, &mut e);
        assert!(e.is_empty());
    }
}
