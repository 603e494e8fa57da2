//! Proofs of access. A `PartnerOrgId` or `CustomerOrgId` exists only after the
//! extractors in `auth::extractors` checked the actor against the org, and store
//! functions that read tenant data take one, so an unscoped query cannot be written
//! by accident (DESIGN convention 2).

use uuid::Uuid;

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
