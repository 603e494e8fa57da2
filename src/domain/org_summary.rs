//! An organisation as scopes and pages see it: who it is, what kind, who manages it and
//! the restrictions it runs under. The store reads it; tenancy carries it in scopes.

use uuid::Uuid;

use crate::domain::org_kind::OrgKind;
use crate::domain::restrictions::OrgRestrictions;

#[derive(Clone, Debug)]
pub struct OrgSummary {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub parent_org_id: Option<Uuid>,
    pub restricted_by_partner: bool,
    pub restrict_org_settings: bool,
    /// The org also holds a Flex subscription (a hybrid customer, SPEC §7).
    pub has_flex_subscription: bool,
    /// The wholesale packages it holds (not being removed), by id in order.
    pub packages: Vec<String>,
    /// A sub-partner's state: pending, active or suspended (SPEC §11).
    pub provisioning_state: Option<String>,
    /// In an org wholesale was attached to: the rights its partner's admins hold
    /// (`full_admin`, or `provisioning_admin`'s limited view; SPEC §4.5).
    pub partner_rights: Option<String>,
}

impl OrgSummary {
    /// The org holds wholesale services (a package not being removed).
    pub fn wholesale(&self) -> bool {
        !self.packages.is_empty()
    }
    /// Wholesale was attached to this org, which existed before (SPEC §4.5): its
    /// partner's rights there are recorded exactly while it is attached.
    pub fn attached(&self) -> bool {
        self.partner_rights.is_some()
    }
    pub fn kind(&self) -> OrgKind {
        OrgKind::parse(&self.kind).unwrap_or(OrgKind::Customer)
    }
    /// A customer with Flex and no wholesale services: it sees no wholesale menu, and its
    /// partner has no way into its Control Hub (SPEC §7, the user-hub access rule).
    pub fn flex_only(&self) -> bool {
        flex_only(self.has_flex_subscription, self.wholesale())
    }
    pub fn restrictions(&self) -> OrgRestrictions {
        OrgRestrictions {
            restricted_by_partner: self.restricted_by_partner,
            restrict_org_settings: self.restrict_org_settings,
        }
    }
}

/// Flex and no wholesale services (SPEC §7, the user-hub access rule): no wholesale menu
/// in Control Hub, and no way in for the partner.
pub fn flex_only(has_flex_subscription: bool, wholesale: bool) -> bool {
    has_flex_subscription && !wholesale
}
