//! The signed-in person, with every role they hold.

use uuid::Uuid;

use crate::domain::org_summary::OrgSummary;
use crate::domain::roles::Role;
use crate::paths;

#[derive(Clone, Debug)]
pub struct Actor {
    pub person_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The org the person belongs to.
    pub home_org_id: Uuid,
    /// That org, read with the person (`None` once it is deleted).
    pub home_org: Option<OrgSummary>,
    /// Every (org, role) the person holds.
    pub assignments: Vec<(Uuid, Role)>,
    /// The orgs among `assignments` whose services were removed (deleted, or being
    /// removed by their partner): their Control Hub no longer opens.
    pub removed_orgs: Vec<Uuid>,
    /// Set while a parent partner admin works inside one of its sub-partners' hubs
    /// (cross-launch, SPEC §11): the sub-partner's org id.
    pub cross_launch: Option<Uuid>,
}

impl Actor {
    pub fn roles_on(&self, org_id: Uuid) -> Vec<Role> {
        self.assignments
            .iter()
            .filter(|(o, _)| *o == org_id)
            .map(|(_, r)| *r)
            .collect()
    }

    /// The partner org whose Partner Hub this person opens, and their roles there.
    pub fn partner_home(&self) -> Option<(Uuid, Vec<Role>)> {
        let roles: Vec<Role> = self
            .roles_on(self.home_org_id)
            .into_iter()
            .filter(|r| r.is_partner_role())
            .collect();
        (!roles.is_empty()).then_some((self.home_org_id, roles))
    }

    /// The customer orgs whose Control Hub this person opens as a customer admin.
    pub fn customer_orgs(&self) -> Vec<Uuid> {
        let mut orgs: Vec<Uuid> = self
            .assignments
            .iter()
            .filter(|(o, r)| r.is_customer_role() && !self.removed_orgs.contains(o))
            .map(|(o, _)| *o)
            .collect();
        orgs.dedup();
        orgs
    }

    /// True when the person is a customer admin of `org` and its services were removed.
    pub fn lost_customer_org(&self, org: Uuid) -> bool {
        self.removed_orgs.contains(&org) && self.roles_on(org).iter().any(|r| r.is_customer_role())
    }

    pub fn is_compliance_operator(&self) -> bool {
        self.assignments
            .iter()
            .any(|(org, r)| *org == self.home_org_id && *r == Role::ComplianceOperator)
    }

    /// Where this person lands after signing in.
    pub fn home_path(&self) -> String {
        if self.partner_home().is_some() {
            return paths::PARTNER.into();
        }
        if self.is_compliance_operator() {
            return paths::OPERATOR_COMPLIANCE.into();
        }
        if let Some(org) = self.customer_orgs().first() {
            return paths::control_home(*org);
        }
        // An admin of an org whose services were removed is told so, not that they
        // hold no role.
        if self.removed_orgs.iter().any(|o| self.lost_customer_org(*o)) {
            return paths::SERVICES_REMOVED.into();
        }
        paths::NO_ACCESS.into()
    }
}

/// Who asked, as the audit of denials records it: the few facts of an `Actor` that
/// outlive the request's extractors.
#[derive(Clone, Debug)]
pub struct SlotActor {
    pub person_id: Uuid,
    pub email: String,
    /// The person's own org.
    pub org_id: Uuid,
}

impl From<&Actor> for SlotActor {
    fn from(actor: &Actor) -> Self {
        Self {
            person_id: actor.person_id,
            email: actor.email.clone(),
            org_id: actor.home_org_id,
        }
    }
}
