//! Admin roles (SPEC §1). A role is held on one org; what it allows is decided by
//! `tenancy::policy`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PartnerFullAdmin,
    PartnerReadonlyAdmin,
    WholesaleAdmin,
    CustomerFullAdmin,
    CustomerReadonlyAdmin,
    /// What a partner receives on an org it auto-attached to (SPEC §4.5).
    ProvisioningAdmin,
    /// The installation's operator, who reviews restricted-party matches (SPEC §4.3).
    ComplianceOperator,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::PartnerFullAdmin,
        Role::PartnerReadonlyAdmin,
        Role::WholesaleAdmin,
        Role::CustomerFullAdmin,
        Role::CustomerReadonlyAdmin,
        Role::ProvisioningAdmin,
        Role::ComplianceOperator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PartnerFullAdmin => "partner_full_admin",
            Role::PartnerReadonlyAdmin => "partner_readonly_admin",
            Role::WholesaleAdmin => "wholesale_admin",
            Role::CustomerFullAdmin => "customer_full_admin",
            Role::CustomerReadonlyAdmin => "customer_readonly_admin",
            Role::ProvisioningAdmin => "provisioning_admin",
            Role::ComplianceOperator => "compliance_operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::PartnerFullAdmin => "Partner full administrator",
            Role::PartnerReadonlyAdmin => "Partner read-only administrator",
            Role::WholesaleAdmin => "Wholesale administrator",
            Role::CustomerFullAdmin => "Full administrator",
            Role::CustomerReadonlyAdmin => "Read-only administrator",
            Role::ProvisioningAdmin => "Provisioning administrator",
            Role::ComplianceOperator => "Compliance operator",
        }
    }

    /// Roles that open Partner Hub.
    pub fn is_partner_role(self) -> bool {
        matches!(
            self,
            Role::PartnerFullAdmin | Role::PartnerReadonlyAdmin | Role::WholesaleAdmin
        )
    }

    /// Roles that open one customer's Control Hub.
    pub fn is_customer_role(self) -> bool {
        matches!(
            self,
            Role::CustomerFullAdmin | Role::CustomerReadonlyAdmin | Role::ProvisioningAdmin
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_database_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn partner_and_customer_roles_do_not_overlap() {
        for role in Role::ALL {
            assert!(
                !(role.is_partner_role() && role.is_customer_role()),
                "{role:?}"
            );
        }
        assert!(
            !Role::ComplianceOperator.is_partner_role()
                && !Role::ComplianceOperator.is_customer_role()
        );
    }
}
