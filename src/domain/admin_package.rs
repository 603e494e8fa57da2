//! The package a new customer's first administrator gets (SPEC §4.2, §5): "Admins of the
//! customer must be provisioned with the same package the org was created with". The
//! seed says *the same package level* (بنفس مستوى الحزمة), and that a full admin's
//! package level is never lowered.
//!
//! A customer is often created with several packages (Webex Calling for the staff and
//! Webex Meetings for a few, Common Area Calling for the lobby phone). Of those, the
//! admin gets the *highest* level among the packages a user can hold:
//!
//! - workspace-only packages (`common_area_calling`) and add-ons (`attendant_console`,
//!   `cisco_calling_plan`) are never a user's package (SPEC §2), so they never count;
//! - among the rest, a package that gives everything another gives ranks above it
//!   (`LEVELS`, highest first): Webex Suite and Customer Assist each give everything
//!   Webex Calling gives; Webex Calling gives everything Enhanced Calling gives, and
//!   Enhanced Calling everything Standard Calling gives. Webex Meetings (messaging and
//!   large meetings, no calling) is not part of any calling package but Suite; it ranks
//!   below Webex Calling (which also has messaging and meetings) and above the
//!   calling-only packages, which have neither messaging nor meetings.
//!
//! Choosing the highest level means the admin is never given less than any package the
//! customer was created with, so no later rule has to "downgrade" them; and the choice
//! does not depend on the order the request happened to list the packages in.

use super::packages::Package;

/// User packages, highest level first.
pub const LEVELS: [Package; 6] = [
    Package::WebexSuite,
    Package::CxEssentials,
    Package::WebexCalling,
    Package::WebexMeetings,
    Package::WebexVoice,
    Package::WebexCallingStandard,
];

/// Can a user (a person, not a workspace) hold this as their one package?
pub fn is_user_package(p: Package) -> bool {
    LEVELS.contains(&p)
}

/// Where a user package ranks (0 is the highest), for refusing to lower a full
/// administrator's package; `None` for a package no user holds.
pub fn level(p: Package) -> Option<usize> {
    LEVELS.iter().position(|l| *l == p)
}

/// The package the first administrator of a customer created with `packages` gets:
/// the highest level among them, or `None` when none is a user's package (a customer of
/// workspaces only).
pub fn admin_package(packages: &[Package]) -> Option<Package> {
    LEVELS.into_iter().find(|level| packages.contains(level))
}

/// `admin_package` over package identifiers as they are stored (unknown ones ignored).
pub fn admin_package_of(ids: &[String]) -> Option<Package> {
    let packages: Vec<Package> = ids.iter().filter_map(|id| Package::parse(id)).collect();
    admin_package(&packages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Package::*;

    #[test]
    fn the_admin_gets_the_highest_level_whatever_the_order() {
        assert_eq!(
            admin_package(&[WebexMeetings, WebexCalling, CommonAreaCalling]),
            Some(WebexCalling)
        );
        assert_eq!(
            admin_package(&[CommonAreaCalling, WebexCalling, WebexMeetings]),
            Some(WebexCalling)
        );
        assert_eq!(admin_package(&[WebexCalling, WebexSuite]), Some(WebexSuite));
        assert_eq!(
            admin_package(&[WebexCallingStandard, WebexVoice]),
            Some(WebexVoice)
        );
        assert_eq!(
            admin_package(&[WebexVoice, WebexMeetings]),
            Some(WebexMeetings)
        );
        assert_eq!(admin_package(&[CxEssentials]), Some(CxEssentials));
    }

    #[test]
    fn workspace_packages_and_add_ons_are_never_the_admins() {
        assert_eq!(admin_package(&[CommonAreaCalling, CiscoCallingPlan]), None);
        assert_eq!(
            admin_package(&[AttendantConsole, WebexCalling]),
            Some(WebexCalling)
        );
        for p in Package::ALL {
            assert_eq!(
                is_user_package(p),
                !p.is_add_on() && p != CommonAreaCalling,
                "{p:?}"
            );
        }
    }

    #[test]
    fn identifiers_are_read_as_stored() {
        let ids = ["webex_meetings", "customer_assist", "nonsense"].map(String::from);
        assert_eq!(admin_package_of(&ids), Some(CxEssentials));
        assert_eq!(admin_package_of(&[]), None);
    }
}
