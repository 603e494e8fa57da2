//! Packages and add-ons (SPEC §2). Identifiers are the vendor API's.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Package {
    CommonAreaCalling,
    WebexCallingStandard,
    WebexVoice,
    WebexCalling,
    WebexSuite,
    CxEssentials,
    WebexMeetings,
    AttendantConsole,
    CiscoCallingPlan,
}

impl Package {
    pub const ALL: [Package; 9] = [
        Package::CommonAreaCalling,
        Package::WebexCallingStandard,
        Package::WebexVoice,
        Package::WebexCalling,
        Package::WebexSuite,
        Package::CxEssentials,
        Package::WebexMeetings,
        Package::AttendantConsole,
        Package::CiscoCallingPlan,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Package::CommonAreaCalling => "common_area_calling",
            Package::WebexCallingStandard => "webex_calling_standard",
            Package::WebexVoice => "webex_voice",
            Package::WebexCalling => "webex_calling",
            Package::WebexSuite => "webex_suite",
            Package::CxEssentials => "cx_essentials",
            Package::WebexMeetings => "webex_meetings",
            Package::AttendantConsole => "attendant_console",
            Package::CiscoCallingPlan => "cisco_calling_plan",
        }
    }

    /// Parses an identifier; `customer_assist` (the seed's spelling) is an alias of
    /// `cx_essentials`.
    pub fn parse(s: &str) -> Option<Package> {
        if s == "customer_assist" {
            return Some(Package::CxEssentials);
        }
        Package::ALL.into_iter().find(|p| p.id() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Package::CommonAreaCalling => "Common Area Calling",
            Package::WebexCallingStandard => "Standard Calling",
            Package::WebexVoice => "Enhanced Calling",
            Package::WebexCalling => "Webex Calling",
            Package::WebexSuite => "Webex Suite",
            Package::CxEssentials => "Customer Assist",
            Package::WebexMeetings => "Webex Meetings",
            Package::AttendantConsole => "Attendant Console",
            Package::CiscoCallingPlan => "Cisco Calling Plan",
        }
    }

    pub fn is_add_on(self) -> bool {
        matches!(self, Package::AttendantConsole | Package::CiscoCallingPlan)
    }

    /// Calling packages are not available in India (SPEC §2).
    pub fn is_calling(self) -> bool {
        matches!(
            self,
            Package::CommonAreaCalling
                | Package::WebexCallingStandard
                | Package::WebexVoice
                | Package::WebexCalling
                | Package::WebexSuite
                | Package::CxEssentials
        )
    }
}

/// A package name for display, falling back to the raw identifier for unknown values.
pub fn display_name(id: &str) -> String {
    Package::parse(id)
        .map(|p| p.name().to_string())
        .unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_assist_is_an_alias_that_prints_as_cx_essentials() {
        assert_eq!(
            Package::parse("customer_assist"),
            Some(Package::CxEssentials)
        );
        assert_eq!(Package::CxEssentials.id(), "cx_essentials");
    }

    #[test]
    fn the_six_calling_packages_and_no_others_are_calling() {
        let calling: Vec<_> = Package::ALL
            .into_iter()
            .filter(|p| p.is_calling())
            .map(Package::id)
            .collect();
        assert_eq!(
            calling,
            [
                "common_area_calling",
                "webex_calling_standard",
                "webex_voice",
                "webex_calling",
                "webex_suite",
                "cx_essentials"
            ]
        );
    }

    #[test]
    fn add_ons_are_exactly_attendant_console_and_cisco_calling_plan() {
        let add_ons: Vec<_> = Package::ALL.into_iter().filter(|p| p.is_add_on()).collect();
        assert_eq!(
            add_ons,
            [Package::AttendantConsole, Package::CiscoCallingPlan]
        );
    }
}
