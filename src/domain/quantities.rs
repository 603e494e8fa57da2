//! Package quantities (SPEC §4.1, "Enable package quantity"). A partner may cap how many
//! of each package a customer can assign. Once on it stays on, a customer that started
//! unlimited stays unlimited, and a quantity may be lowered, but never below what is
//! assigned today (SPEC §4.1).
//!
//! Every rule is checked and every failure reported, so the wizard can show them all at
//! once next to the fields they concern.

use std::fmt;

use crate::domain::packages::Package;

/// The maximum quantity per package when the partner has not set its own.
pub const DEFAULT_PARTNER_MAX: i64 = 10_000;

/// What the customer holds now (None for a new customer).
pub struct Current<'a> {
    pub quantity_enabled: bool,
    /// How many of a package are assigned to users and workspaces today.
    pub assigned: &'a dyn Fn(Package) -> i64,
    /// Has both BroadWorks and Wholesale packages.
    pub in_migration: bool,
}

/// What is asked for: every package with its optional quantity.
pub struct Requested<'a> {
    pub quantity_enabled: bool,
    pub packages: &'a [(Package, Option<i64>)],
}

/// One refused rule; `package` is None when the error concerns the toggle itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError {
    pub package: Option<Package>,
    pub message: String,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QuantityError {}

/// Checks a request to create (`current` None) or update a customer's packages against
/// the quantity rules. `partner_max` gives the partner's maximum per package (see
/// [`DEFAULT_PARTNER_MAX`]).
pub fn check(
    current: Option<&Current<'_>>,
    requested: &Requested<'_>,
    partner_max: &dyn Fn(Package) -> i64,
) -> Result<(), Vec<QuantityError>> {
    let mut errors = Vec::new();
    let mut refuse = |package: Option<Package>, message: String| {
        errors.push(QuantityError { package, message });
    };

    if let Some(current) = current {
        // (1) Once enabled, never disabled.
        if current.quantity_enabled && !requested.quantity_enabled {
            refuse(
                None,
                "Package quantity cannot be turned off: once enabled for a customer it stays \
                 enabled."
                    .into(),
            );
        }
        // (4) Created without limits, never limited.
        if !current.quantity_enabled && requested.quantity_enabled {
            refuse(
                None,
                "This customer was created without package quantities, so quantities cannot \
                 be added now."
                    .into(),
            );
        }
        // (6) No quantities during a migration.
        if current.in_migration && requested.quantity_enabled {
            refuse(
                None,
                "Package quantities cannot be used while the customer is in migration (it has \
                 both BroadWorks and Wholesale packages)."
                    .into(),
            );
        }
    }

    for &(package, quantity) in requested.packages {
        let name = package.name();
        // (8) An add-on that cannot be assigned to anyone takes no quantity, ever.
        if package == Package::CiscoCallingPlan {
            if quantity.is_some() {
                refuse(
                    Some(package),
                    format!("{name} takes no quantity; leave it empty."),
                );
            }
            continue;
        }
        match (requested.quantity_enabled, quantity) {
            // (5) No mixing limited and unlimited packages.
            (true, None) => refuse(Some(package), format!("Enter a quantity for {name}.")),
            (false, Some(_)) => refuse(
                Some(package),
                format!(
                    "{name}: a quantity can only be given when package quantity is enabled; \
                     a customer cannot mix limited and unlimited packages."
                ),
            ),
            (false, None) => {}
            // (7) Zero (or less) is never a quantity.
            (true, Some(q)) if q <= 0 => refuse(
                Some(package),
                format!("{name}: the quantity must be at least 1."),
            ),
            (true, Some(q)) => {
                // (2) Never below what is assigned today.
                if let Some(current) = current {
                    let assigned = (current.assigned)(package);
                    // q ≥ 1 here, so a refusal always concerns two or more (plural).
                    if q < assigned {
                        let assigned = thousands(assigned);
                        refuse(
                            Some(package),
                            format!(
                                "{name}: {assigned} are assigned; the quantity cannot be \
                                 lower than {assigned}."
                            ),
                        );
                    }
                }
                // (3) Never above the partner's maximum.
                let max = partner_max(package);
                if q > max {
                    refuse(
                        Some(package),
                        format!(
                            "{name}: the quantity cannot be more than {}, the partner's \
                             maximum.",
                            thousands(max)
                        ),
                    );
                }
            }
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `12345` → `12,345`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Package::*;

    fn default_max(_: Package) -> i64 {
        DEFAULT_PARTNER_MAX
    }

    fn none_assigned(_: Package) -> i64 {
        0
    }

    fn twelve_calling_assigned(p: Package) -> i64 {
        if p == WebexCalling { 12 } else { 3 }
    }

    fn limited(assigned: &dyn Fn(Package) -> i64) -> Current<'_> {
        Current {
            quantity_enabled: true,
            assigned,
            in_migration: false,
        }
    }

    fn unlimited(assigned: &dyn Fn(Package) -> i64) -> Current<'_> {
        Current {
            quantity_enabled: false,
            assigned,
            in_migration: false,
        }
    }

    fn with(packages: &[(Package, Option<i64>)]) -> Requested<'_> {
        Requested {
            quantity_enabled: true,
            packages,
        }
    }

    fn without(packages: &[(Package, Option<i64>)]) -> Requested<'_> {
        Requested {
            quantity_enabled: false,
            packages,
        }
    }

    fn errors(result: Result<(), Vec<QuantityError>>) -> Vec<QuantityError> {
        result.expect_err("the request should have been refused")
    }

    fn only_error(result: Result<(), Vec<QuantityError>>) -> QuantityError {
        let mut all = errors(result);
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }

    #[test]
    fn a_new_limited_customer_with_a_quantity_for_every_package_is_accepted() {
        let packages = [
            (WebexCalling, Some(50)),
            (CommonAreaCalling, Some(5)),
            (AttendantConsole, Some(2)),
            (CiscoCallingPlan, None),
        ];
        assert_eq!(check(None, &with(&packages), &default_max), Ok(()));
    }

    #[test]
    fn a_new_unlimited_customer_without_quantities_is_accepted() {
        let packages = [(WebexSuite, None), (CiscoCallingPlan, None)];
        assert_eq!(check(None, &without(&packages), &default_max), Ok(()));
    }

    #[test]
    fn an_update_that_raises_quantities_is_accepted() {
        let current = limited(&twelve_calling_assigned);
        let packages = [(WebexCalling, Some(20)), (WebexMeetings, Some(3))];
        assert_eq!(
            check(Some(&current), &with(&packages), &default_max),
            Ok(())
        );
    }

    #[test]
    fn a_quantity_equal_to_the_assigned_count_or_the_maximum_is_accepted() {
        let current = limited(&twelve_calling_assigned);
        let packages = [
            (WebexCalling, Some(12)),
            (WebexSuite, Some(DEFAULT_PARTNER_MAX)),
        ];
        assert_eq!(
            check(Some(&current), &with(&packages), &default_max),
            Ok(())
        );
    }

    #[test]
    fn rule_1_package_quantity_once_enabled_cannot_be_disabled() {
        let current = limited(&none_assigned);
        let error = only_error(check(
            Some(&current),
            &without(&[(WebexCalling, None)]),
            &default_max,
        ));
        assert_eq!(error.package, None);
        assert!(error.message.contains("cannot be turned off"), "{error}");
    }

    #[test]
    fn rule_2_a_quantity_below_the_assigned_count_is_refused_naming_that_count() {
        let current = limited(&twelve_calling_assigned);
        let error = only_error(check(
            Some(&current),
            &with(&[(WebexCalling, Some(11))]),
            &default_max,
        ));
        assert_eq!(
            error,
            QuantityError {
                package: Some(WebexCalling),
                message: "Webex Calling: 12 are assigned; the quantity cannot be lower than 12."
                    .into(),
            }
        );
    }

    #[test]
    fn rule_2_writes_large_assigned_counts_with_separators() {
        let many = |_| 1_234;
        let current = limited(&many);
        let error = only_error(check(
            Some(&current),
            &with(&[(AttendantConsole, Some(1_000))]),
            &default_max,
        ));
        assert_eq!(
            error.message,
            "Attendant Console: 1,234 are assigned; the quantity cannot be lower than 1,234."
        );
    }

    #[test]
    fn rule_3_a_quantity_above_the_partner_maximum_is_refused_naming_the_maximum() {
        let error = only_error(check(
            None,
            &with(&[(WebexMeetings, Some(DEFAULT_PARTNER_MAX + 1))]),
            &default_max,
        ));
        assert_eq!(
            error,
            QuantityError {
                package: Some(WebexMeetings),
                message: "Webex Meetings: the quantity cannot be more than 10,000, the \
                          partner's maximum."
                    .into(),
            }
        );
    }

    #[test]
    fn rule_3_uses_the_partner_maximum_of_each_package() {
        let max = |p| {
            if p == WebexSuite {
                25
            } else {
                DEFAULT_PARTNER_MAX
            }
        };
        let error = only_error(check(
            None,
            &with(&[(WebexSuite, Some(26)), (WebexCalling, Some(500))]),
            &max,
        ));
        assert_eq!(error.package, Some(WebexSuite));
        assert!(error.message.contains("more than 25"), "{error}");
    }

    #[test]
    fn rule_4_a_customer_created_without_limits_can_never_become_limited() {
        let current = unlimited(&none_assigned);
        let error = only_error(check(
            Some(&current),
            &with(&[(WebexCalling, Some(10))]),
            &default_max,
        ));
        assert_eq!(error.package, None);
        assert!(
            error.message.contains("created without package quantities"),
            "{error}"
        );
    }

    #[test]
    fn rule_5_when_enabled_every_package_that_takes_a_quantity_needs_one() {
        let all = errors(check(
            None,
            &with(&[
                (WebexCalling, Some(10)),
                (CommonAreaCalling, None),
                (AttendantConsole, None),
            ]),
            &default_max,
        ));
        assert_eq!(
            all,
            [
                QuantityError {
                    package: Some(CommonAreaCalling),
                    message: "Enter a quantity for Common Area Calling.".into(),
                },
                QuantityError {
                    package: Some(AttendantConsole),
                    message: "Enter a quantity for Attendant Console.".into(),
                },
            ]
        );
    }

    #[test]
    fn rule_5_when_disabled_no_package_may_carry_a_quantity() {
        let error = only_error(check(
            None,
            &without(&[(WebexCalling, None), (WebexMeetings, Some(10))]),
            &default_max,
        ));
        assert_eq!(error.package, Some(WebexMeetings));
        assert!(error.message.contains("cannot mix"), "{error}");
    }

    #[test]
    fn rule_6_no_quantity_while_the_customer_is_in_migration() {
        let current = Current {
            quantity_enabled: true,
            assigned: &none_assigned,
            in_migration: true,
        };
        let error = only_error(check(
            Some(&current),
            &with(&[(WebexCalling, Some(10))]),
            &default_max,
        ));
        assert_eq!(error.package, None);
        assert!(error.message.contains("in migration"), "{error}");
    }

    #[test]
    fn rule_6_does_not_stop_an_unlimited_customer_in_migration() {
        let current = Current {
            quantity_enabled: false,
            assigned: &none_assigned,
            in_migration: true,
        };
        assert_eq!(
            check(
                Some(&current),
                &without(&[(WebexCalling, None)]),
                &default_max
            ),
            Ok(())
        );
    }

    #[test]
    fn rule_7_zero_or_a_negative_number_is_never_a_quantity() {
        for bad in [0, -1, i64::MIN] {
            let error = only_error(check(None, &with(&[(WebexVoice, Some(bad))]), &default_max));
            assert_eq!(
                error,
                QuantityError {
                    package: Some(WebexVoice),
                    message: "Enhanced Calling: the quantity must be at least 1.".into(),
                },
                "{bad}"
            );
        }
    }

    #[test]
    fn rule_8_cisco_calling_plan_takes_no_quantity() {
        let expected = QuantityError {
            package: Some(CiscoCallingPlan),
            message: "Cisco Calling Plan takes no quantity; leave it empty.".into(),
        };
        let enabled = [(WebexCalling, Some(10)), (CiscoCallingPlan, Some(5))];
        assert_eq!(
            only_error(check(None, &with(&enabled), &default_max)),
            expected
        );
        let disabled = [(WebexCalling, None), (CiscoCallingPlan, Some(5))];
        assert_eq!(
            only_error(check(None, &without(&disabled), &default_max)),
            expected
        );
    }

    #[test]
    fn rule_8_cisco_calling_plan_needs_no_quantity_when_quantities_are_enabled() {
        let packages = [(WebexCalling, Some(1)), (CiscoCallingPlan, None)];
        assert_eq!(check(None, &with(&packages), &default_max), Ok(()));
    }

    #[test]
    fn every_broken_rule_is_reported_not_just_the_first() {
        let current = Current {
            quantity_enabled: false,
            assigned: &twelve_calling_assigned,
            in_migration: true,
        };
        let all = errors(check(
            Some(&current),
            &with(&[
                (WebexCalling, Some(5)),
                (WebexSuite, Some(0)),
                (WebexMeetings, None),
                (CiscoCallingPlan, Some(1)),
            ]),
            &default_max,
        ));
        let packages: Vec<_> = all.iter().map(|e| e.package).collect();
        assert_eq!(
            packages,
            [
                None,
                None,
                Some(WebexCalling),
                Some(WebexSuite),
                Some(WebexMeetings),
                Some(CiscoCallingPlan)
            ]
        );
    }

    #[test]
    fn large_numbers_are_written_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_000), "-1,000");
    }
}
