//! Proofs of access. A `PartnerScope` or `CustomerScope` (and the `PartnerOrgId` or
//! `CustomerOrgId` it hands out) exists only after the extractors in `auth::extractors`
//! (pages) or `api::auth` (the API) checked the actor against the org, and store
//! functions that read tenant data take the ids, so an unscoped query cannot be written
//! by accident (DESIGN convention 2).

use uuid::Uuid;

use super::Actor;
use super::policy::{self, CustomerAccess, PartnerAction};
use crate::domain::org_summary::OrgSummary;
use crate::domain::roles::Role;
use crate::error::{AppError, AppResult};

/// An org whose Partner Hub the current actor works in (their own, or a sub-partner's
/// while cross-launched).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartnerOrgId(Uuid);

/// A customer org whose Control Hub the current actor may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerOrgId(Uuid);

impl PartnerOrgId {
    /// Only the extractors, the CLI and the seeder vouch for an org.
    pub(crate) fn vouched(id: Uuid) -> Self {
        Self(id)
    }
    pub fn id(self) -> Uuid {
        self.0
    }
}

impl CustomerOrgId {
    /// Only the extractors vouch for an org.
    pub(crate) fn vouched(id: Uuid) -> Self {
        Self(id)
    }
    pub fn id(self) -> Uuid {
        self.0
    }
}

/// The Partner Hub being worked in.
pub struct PartnerScope {
    pub actor: Actor,
    /// The org whose hub this is: the actor's own, or the sub-partner acted for
    /// (cross-launched into, or named by the API's `onBehalfOfSubPartnerOrgId`).
    pub org: OrgSummary,
    /// The actor's roles in this hub (a parent's roles carry into a cross-launch).
    pub roles: Vec<Role>,
    /// The actor's own partner org while acting for a sub-partner.
    pub home: Option<OrgSummary>,
}

impl PartnerScope {
    pub fn org_id(&self) -> PartnerOrgId {
        PartnerOrgId::vouched(self.org.id)
    }

    pub fn cross_launched(&self) -> bool {
        self.home.is_some()
    }

    pub fn may(&self, action: PartnerAction) -> bool {
        policy::partner_may_in(
            &self.roles,
            action,
            policy::Hub {
                cross_launched: self.cross_launched(),
                sub_partner: self.org.kind() == crate::domain::org_kind::OrgKind::SubPartner,
                suspended: self.suspended(),
            },
        )
    }

    /// The hub is a sub-partner its parent suspended: it only shows and removes.
    pub fn suspended(&self) -> bool {
        self.org.kind() == crate::domain::org_kind::OrgKind::SubPartner
            && self.org.provisioning_state.as_deref() == Some("suspended")
    }

    /// Refuses with 403 unless the policy allows the action.
    pub fn require(&self, action: PartnerAction) -> AppResult<()> {
        if self.may(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// One customer's Control Hub.
pub struct CustomerScope {
    pub actor: Actor,
    pub org: OrgSummary,
    pub access: CustomerAccess,
    /// For a partner admin: the Partner Hub (partner or cross-launched sub-partner) that
    /// manages the customer and through which it was reached; `None` for its own admins.
    pub partner: Option<OrgSummary>,
    /// The org's people when the scope was opened (the kept count): which end of the
    /// users list a page is nearer.
    pub people: i64,
    /// The managing partner's branding, read with the org (SPEC §12).
    pub branding: Option<crate::domain::branding::BrandingRef>,
}

impl CustomerScope {
    pub fn org_id(&self) -> CustomerOrgId {
        CustomerOrgId::vouched(self.org.id)
    }

    /// A partner admin whose partner holds only a provisioning admin's rights in this
    /// attached org (SPEC §4.5): they see and change only the users wholesale gave a
    /// package, never the org's own people.
    pub fn provisioning_only(&self) -> bool {
        self.access.is_partner() && self.org.partner_rights.as_deref() == Some("provisioning_admin")
    }

    pub fn may_change(&self, control: crate::domain::restrictions::Control) -> bool {
        policy::customer_may_change(self.access, control, self.org.restrictions())
    }

    pub fn require_change(&self, control: crate::domain::restrictions::Control) -> AppResult<()> {
        if self.may_change(control) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
