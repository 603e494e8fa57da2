//! The single access policy: "may this actor do X here?" Pages and the API both ask it;
//! neither decides on its own. Hiding a button is never the protection.

use crate::domain::restrictions::{self, Control, OrgRestrictions};
use crate::domain::roles::Role;

/// Things done in a Partner Hub (the acting partner or sub-partner org).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnerAction {
    /// Overview, customers, templates: any partner role.
    View,
    /// Create, change and delete wholesale customers and their global settings.
    ManageCustomers,
    /// Create, change and delete onboarding templates.
    ManageTemplates,
    /// Settings, audit log and jobs: look.
    ViewAdministration,
    /// Settings and jobs: change.
    ManageAdministration,
    /// Billing reports: look.
    ViewBilling,
    /// Billing reports: create and delete.
    ManageBilling,
    /// The Indirect providers tab and cross-launch into a sub-partner (SPEC §11).
    CrossLaunch,
    /// The pre-provisioning checks of the API (SPEC §1: partner full admin only).
    Precheck,
    /// Onboard, suspend and reinstate sub-partners (SPEC §11): a partner full admin who
    /// also holds wholesale admin, in their own hub.
    ManageSubPartners,
    /// Remove wholesale customers: what a suspended sub-partner may still do (SPEC §9.4).
    RemoveCustomers,
}

/// The Partner Hub an action is asked in, as far as the policy cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hub {
    /// A parent admin works inside a sub-partner's hub, where reports and the
    /// sub-partner's own indirect providers are unavailable (SPEC §11).
    pub cross_launched: bool,
    /// The hub is a sub-partner's: it has no sub-partners of its own (SPEC §11).
    pub sub_partner: bool,
    /// A sub-partner its parent suspended: its hub only shows and removes (SPEC §9.4),
    /// whoever works in it.
    pub suspended: bool,
}

/// May someone holding `roles` in a Partner Hub do `action`? `cross_launched` as in
/// `Hub`; for a hub that is not a suspended sub-partner's.
pub fn partner_may(roles: &[Role], action: PartnerAction, cross_launched: bool) -> bool {
    partner_may_in(
        roles,
        action,
        Hub {
            cross_launched,
            ..Hub::default()
        },
    )
}

/// May someone holding `roles` in `hub` do `action`?
pub fn partner_may_in(roles: &[Role], action: PartnerAction, hub: Hub) -> bool {
    let Hub {
        cross_launched,
        sub_partner,
        suspended,
    } = hub;
    if suspended
        && !matches!(
            action,
            PartnerAction::View
                | PartnerAction::ViewAdministration
                | PartnerAction::ViewBilling
                | PartnerAction::RemoveCustomers
        )
    {
        return false;
    }
    let full = roles.contains(&Role::PartnerFullAdmin);
    let read_only = roles.contains(&Role::PartnerReadonlyAdmin);
    let wholesale = roles.contains(&Role::WholesaleAdmin);
    match action {
        PartnerAction::View => full || read_only || wholesale,
        PartnerAction::ManageCustomers | PartnerAction::ManageTemplates => full || wholesale,
        PartnerAction::ViewAdministration => full || read_only,
        PartnerAction::ManageAdministration => full,
        PartnerAction::ViewBilling => (full || read_only) && !cross_launched,
        PartnerAction::ManageBilling => full && !cross_launched,
        PartnerAction::CrossLaunch => full && wholesale && !cross_launched,
        PartnerAction::Precheck => full,
        // From the Indirect providers tab, which needs both roles (SPEC §11).
        PartnerAction::ManageSubPartners => full && wholesale && !cross_launched && !sub_partner,
        PartnerAction::RemoveCustomers => full || wholesale,
    }
}

/// How someone reaches a customer's Control Hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerAccess {
    /// A partner admin of the managing (sub-)partner, launched from Partner Hub.
    Partner { may_change: bool },
    /// A customer full admin.
    CustomerFull,
    /// A customer read-only admin, or a partner's provisioning admin (limited view).
    CustomerReadOnly,
}

impl CustomerAccess {
    pub fn from_customer_roles(roles: &[Role]) -> Option<CustomerAccess> {
        if roles.contains(&Role::CustomerFullAdmin) {
            Some(CustomerAccess::CustomerFull)
        } else if roles.contains(&Role::CustomerReadonlyAdmin)
            || roles.contains(&Role::ProvisioningAdmin)
        {
            Some(CustomerAccess::CustomerReadOnly)
        } else {
            None
        }
    }

    pub fn from_partner_roles(roles: &[Role]) -> Option<CustomerAccess> {
        if !partner_may(roles, PartnerAction::View, false) {
            return None;
        }
        Some(CustomerAccess::Partner {
            may_change: partner_may(roles, PartnerAction::ManageCustomers, false),
        })
    }

    pub fn is_partner(self) -> bool {
        matches!(self, CustomerAccess::Partner { .. })
    }
}

/// May this visitor change `control` in a customer org with these restrictions?
/// Partner admins are not bound by restricted mode; customer admins are (SPEC §7).
pub fn customer_may_change(access: CustomerAccess, control: Control, org: OrgRestrictions) -> bool {
    match access {
        CustomerAccess::Partner { may_change } => may_change,
        CustomerAccess::CustomerFull => restrictions::customer_admin_may_change(control, org),
        CustomerAccess::CustomerReadOnly => false,
    }
}

/// Only partner admins change restricted settings (SPEC §7).
pub fn may_change_restricted_settings(roles: &[Role]) -> bool {
    partner_may(roles, PartnerAction::ManageCustomers, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn read_only_partner_admin_looks_but_never_changes() {
        let roles = [PartnerReadonlyAdmin];
        assert!(partner_may(&roles, PartnerAction::View, false));
        assert!(partner_may(
            &roles,
            PartnerAction::ViewAdministration,
            false
        ));
        for action in [
            PartnerAction::ManageCustomers,
            PartnerAction::ManageTemplates,
            PartnerAction::ManageAdministration,
            PartnerAction::ManageBilling,
            PartnerAction::CrossLaunch,
        ] {
            assert!(!partner_may(&roles, action, false), "{action:?}");
        }
    }

    #[test]
    fn only_a_partner_full_admin_may_run_prechecks() {
        assert!(partner_may(
            &[PartnerFullAdmin],
            PartnerAction::Precheck,
            false
        ));
        assert!(!partner_may(
            &[WholesaleAdmin],
            PartnerAction::Precheck,
            false
        ));
        assert!(!partner_may(
            &[PartnerReadonlyAdmin],
            PartnerAction::Precheck,
            false
        ));
    }

    #[test]
    fn cross_launch_needs_both_full_and_wholesale_admin() {
        assert!(!partner_may(
            &[PartnerFullAdmin],
            PartnerAction::CrossLaunch,
            false
        ));
        assert!(!partner_may(
            &[WholesaleAdmin],
            PartnerAction::CrossLaunch,
            false
        ));
        assert!(partner_may(
            &[PartnerFullAdmin, WholesaleAdmin],
            PartnerAction::CrossLaunch,
            false
        ));
    }

    #[test]
    fn reports_are_unavailable_while_cross_launched() {
        let roles = [PartnerFullAdmin, WholesaleAdmin];
        assert!(partner_may(&roles, PartnerAction::ViewBilling, false));
        assert!(!partner_may(&roles, PartnerAction::ViewBilling, true));
        assert!(!partner_may(&roles, PartnerAction::CrossLaunch, true));
        assert!(partner_may(&roles, PartnerAction::ManageCustomers, true));
    }

    #[test]
    fn wholesale_admin_manages_customers_but_not_settings() {
        let roles = [WholesaleAdmin];
        assert!(partner_may(&roles, PartnerAction::ManageCustomers, false));
        assert!(!partner_may(
            &roles,
            PartnerAction::ViewAdministration,
            false
        ));
    }

    #[test]
    fn customer_admins_obey_restricted_mode_and_partners_do_not() {
        let restricted = OrgRestrictions {
            restricted_by_partner: true,
            restrict_org_settings: false,
        };
        assert!(!customer_may_change(
            CustomerAccess::CustomerFull,
            Control::CompanyName,
            restricted
        ));
        assert!(customer_may_change(
            CustomerAccess::Partner { may_change: true },
            Control::CompanyName,
            restricted
        ));
        assert!(!customer_may_change(
            CustomerAccess::Partner { may_change: false },
            Control::CompanyName,
            restricted
        ));
        let open = OrgRestrictions::default();
        assert!(customer_may_change(
            CustomerAccess::CustomerFull,
            Control::CompanyName,
            open
        ));
        assert!(!customer_may_change(
            CustomerAccess::CustomerReadOnly,
            Control::CompanyName,
            open
        ));
    }

    #[test]
    fn customer_roles_never_open_partner_hub() {
        for role in [CustomerFullAdmin, CustomerReadonlyAdmin, ProvisioningAdmin] {
            assert!(!partner_may(&[role], PartnerAction::View, false));
        }
    }
}
