//! Cloud-connected PSTN vendors a template may name (SPEC §3 step 3) and the countries
//! each serves. The vendor applies to a customer's first location only; when it does not
//! serve that location's country, provisioning fails and needs manual repair.

pub const VENDORS: &[(&str, &[&str])] = &[
    ("Skyline PSTN", &["US", "CA"]),
    (
        "EuroTel Connect",
        &[
            "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT", "PT", "AT", "CH",
        ],
    ),
    ("Nordic Carrier", &["NO", "SE", "DK", "FI"]),
    ("Pacific Voice", &["AU", "NZ", "SG"]),
];

pub fn is_known(vendor: &str) -> bool {
    VENDORS.iter().any(|(v, _)| *v == vendor)
}

/// Does `vendor` serve `country`? Unknown vendors serve nowhere.
pub fn serves(vendor: &str, country: &str) -> bool {
    VENDORS
        .iter()
        .any(|(v, countries)| *v == vendor && countries.contains(&country))
}

/// The warning the template wizard shows beside the vendor choice.
pub const WARNING: &str = "The PSTN vendor applies only to a customer's first location. Changing it later does not \
    update customers already onboarded. If the vendor does not serve the country of a customer's first location, \
    provisioning of that customer fails and needs manual repair.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vendor_serves_only_its_countries() {
        assert!(serves("Skyline PSTN", "US"));
        assert!(!serves("Skyline PSTN", "GB"));
        assert!(!serves("Nobody Telecom", "US"));
        assert!(is_known("Pacific Voice") && !is_known("pacific voice"));
    }
}
