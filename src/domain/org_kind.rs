//! The three kinds of organisation (SPEC §1).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Partner,
    SubPartner,
    Customer,
    /// The installation's own organisation (its compliance operators).
    Operator,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Partner => "partner",
            OrgKind::SubPartner => "sub_partner",
            OrgKind::Customer => "customer",
            OrgKind::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        [OrgKind::Partner, OrgKind::SubPartner, OrgKind::Customer]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Partners and sub-partners both run a Partner Hub.
    pub fn runs_partner_hub(self) -> bool {
        matches!(self, OrgKind::Partner | OrgKind::SubPartner)
    }
}

/// Customer status values (SPEC §9.1), in the order the UI lists them.
pub const CUSTOMER_STATUSES: [&str; 7] = [
    "provisioning",
    "provisioned",
    "provisioned_with_errors",
    "updating",
    "deleting",
    "error",
    "pending_rpl_review",
];

pub fn customer_status_label(status: &str) -> &'static str {
    match status {
        "provisioning" => "Provisioning",
        "provisioned" => "Provisioned",
        "provisioned_with_errors" => "Provisioned with errors",
        "updating" => "Updating",
        "deleting" => "Deleting",
        "error" => "Error",
        "pending_rpl_review" => "Pending compliance review",
        _ => "Unknown",
    }
}
