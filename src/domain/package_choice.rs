//! Which packages a customer may be given together (SPEC §2, §4.2) — add-ons need their
//! base package, India has no calling — and which packages a quantity may name.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::fields::{Field, FieldErrors, add};
use crate::domain::packages::Package;

/// Every quantity must name a known package among those requested.
pub fn check_limit_keys(
    limits: &BTreeMap<String, i64>,
    packages: &[Package],
    errors: &mut FieldErrors,
) {
    for key in limits.keys() {
        let field = Field::PackageLimit(key.clone());
        match Package::parse(key) {
            Some(p) if packages.contains(&p) => {}
            Some(p) => add(
                errors,
                field,
                format!(
                    "A quantity is given for {}, which is not among the packages.",
                    p.name()
                ),
            ),
            None => add(errors, field, format!("“{key}” is not a known package.")),
        }
    }
}

/// Parses package identifiers, reporting unknown ones and the add-on and country rules.
pub fn check_packages(
    raw: &[String],
    country: Option<&str>,
    errors: &mut FieldErrors,
) -> Vec<Package> {
    let mut packages = BTreeSet::new();
    if raw.is_empty() {
        add(errors, Field::Packages, "Choose at least one package.");
    }
    for p in raw {
        match Package::parse(p.trim()) {
            Some(p) => {
                packages.insert(p);
            }
            None => add(
                errors,
                Field::Packages,
                format!("“{p}” is not a known package."),
            ),
        }
    }
    let has = |p: Package| packages.contains(&p);
    if has(Package::AttendantConsole)
        && !(has(Package::WebexCalling) || has(Package::WebexSuite) || has(Package::CxEssentials))
    {
        add(
            errors,
            Field::Packages,
            "Attendant Console needs Webex Calling, Webex Suite or Customer Assist as well.",
        );
    }
    if has(Package::CiscoCallingPlan) && !packages.iter().any(|p| p.is_calling()) {
        add(
            errors,
            Field::Packages,
            "Cisco Calling Plan needs a calling package as well.",
        );
    }
    if country == Some("IN") {
        let calling: Vec<&str> = packages
            .iter()
            .filter(|p| p.is_calling())
            .map(|p| p.name())
            .collect();
        if !calling.is_empty() {
            add(
                errors,
                Field::Packages,
                format!(
                    "Calling packages are not available in India: remove {}.",
                    calling.join(", ")
                ),
            );
        }
    }
    packages.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(raw: &[&str], country: Option<&str>) -> Vec<String> {
        let mut e = FieldErrors::new();
        check_packages(
            &raw.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            country,
            &mut e,
        );
        e.messages(&Field::Packages)
    }

    #[test]
    fn india_refuses_calling_packages_but_not_meetings() {
        assert!(errs(&["webex_calling"], Some("IN"))[0].contains("not available in India"));
        assert!(
            errs(&["common_area_calling", "webex_meetings"], Some("IN"))[0]
                .contains("Common Area Calling")
        );
        assert!(errs(&["webex_meetings"], Some("IN")).is_empty());
        assert!(errs(&["webex_calling"], Some("US")).is_empty());
    }

    #[test]
    fn attendant_console_needs_a_full_calling_package() {
        assert!(!errs(&["attendant_console", "webex_voice"], Some("US")).is_empty());
        for base in [
            "webex_calling",
            "webex_suite",
            "cx_essentials",
            "customer_assist",
        ] {
            assert!(
                errs(&["attendant_console", base], Some("US")).is_empty(),
                "{base}"
            );
        }
    }

    #[test]
    fn cisco_calling_plan_needs_a_calling_package() {
        assert!(!errs(&["cisco_calling_plan", "webex_meetings"], Some("US")).is_empty());
        assert!(errs(&["cisco_calling_plan", "common_area_calling"], Some("US")).is_empty());
    }

    #[test]
    fn unknown_and_missing_packages_are_named() {
        assert!(errs(&["webex_gold"], Some("US"))[0].contains("webex_gold"));
        assert!(errs(&[], Some("US"))[0].contains("at least one"));
    }
}
