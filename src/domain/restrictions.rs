//! The restricted-by-partner matrix (SPEC §7): which Control Hub controls a *customer*
//! admin may change. Partner admins working in a customer's Control Hub are never
//! restricted by it; read-only admins change nothing anywhere.

/// A Control Hub control that the restricted mode (or the hybrid restriction) can lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Adding or modifying users manually or by CSV, claiming users, auto-assign licences.
    ManageUsers,
    /// Reassigning a user's package or editing their services.
    UserPackagesAndServices,
    /// First name, last name, display name and primary email of a user.
    UserNames,
    /// A user's primary work number.
    UserPrimaryNumber,
    /// Directory synchronisation settings.
    DirectorySync,
    /// The company name on the Account page.
    CompanyName,
    /// Authentication / SSO settings on the Security page.
    Authentication,
    /// Domain and email settings (suppress admin invites, email language).
    DomainAndEmailSettings,
    /// Calling: dial behaviour.
    DialBehaviour,
    /// Calling: "app options call priority".
    AppCallPriority,
    /// Location PSTN: local gateway and vendor PSTN options.
    LocationPstnOptions,
    /// Calling setting of a location once the location exists.
    LocationCallingAfterCreation,
    /// PSTN management and call recording for locations.
    PstnAndCallRecording,
    /// Phone-number management.
    PhoneNumbers,
    /// Migrations and connected UC.
    MigrationsAndConnectedUc,
    /// Adding, editing and removing locations (name, address, time zone, language): not
    /// among what restricted mode locks (SPEC §7), only read-only admins are kept out.
    ManageLocations,
    /// Adding, changing and removing workspaces, which hold a package like users do:
    /// locked by restricted mode as adding users is.
    ManageWorkspaces,
}

/// The org-level toggles that decide what a customer admin may change.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrgRestrictions {
    /// *Allow restricted by partner mode* (SPEC §7).
    pub restricted_by_partner: bool,
    /// *Restrict access to organisation settings* for hybrid (wholesale + Flex) customers.
    pub restrict_org_settings: bool,
}

/// Why a control is locked for customer admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Locked for customer admins whatever the org's toggles (SPEC §7).
    Always,
    /// Locked by *Restrict access to organisation settings* (hybrid customers).
    OrgSettings,
    /// Locked by *Allow restricted by partner mode*.
    RestrictedMode,
}

/// What locks this control for a customer full admin in an org with these toggles;
/// `None` when they may change it.
pub fn customer_admin_lock(control: Control, org: OrgRestrictions) -> Option<Lock> {
    use Control::*;
    // Locked for customer admins whatever the mode.
    if matches!(
        control,
        AppCallPriority | LocationCallingAfterCreation | PstnAndCallRecording | PhoneNumbers
    ) {
        return Some(Lock::Always);
    }
    if org.restrict_org_settings && matches!(control, LocationPstnOptions) {
        return Some(Lock::OrgSettings);
    }
    // Restricted mode on: only names and the primary email stay editable.
    (org.restricted_by_partner && !matches!(control, UserNames | ManageLocations))
        .then_some(Lock::RestrictedMode)
}

/// May a customer full admin change this control in an org with these toggles?
pub fn customer_admin_may_change(control: Control, org: OrgRestrictions) -> bool {
    customer_admin_lock(control, org).is_none()
}

#[cfg(test)]
mod tests {
    use super::Control::*;
    use super::*;

    const RESTRICTED: OrgRestrictions = OrgRestrictions {
        restricted_by_partner: true,
        restrict_org_settings: false,
    };
    const OPEN: OrgRestrictions = OrgRestrictions {
        restricted_by_partner: false,
        restrict_org_settings: false,
    };

    #[test]
    fn restricted_mode_locks_everything_but_names() {
        for control in [
            ManageUsers,
            UserPackagesAndServices,
            UserPrimaryNumber,
            DirectorySync,
            CompanyName,
            Authentication,
            DomainAndEmailSettings,
            DialBehaviour,
            LocationPstnOptions,
            MigrationsAndConnectedUc,
        ] {
            assert!(
                !customer_admin_may_change(control, RESTRICTED),
                "{control:?} should be locked"
            );
            assert!(
                customer_admin_may_change(control, OPEN),
                "{control:?} should be open when the mode is off"
            );
        }
        assert!(customer_admin_may_change(UserNames, RESTRICTED));
    }

    #[test]
    fn some_controls_are_locked_whatever_the_mode() {
        for control in [
            AppCallPriority,
            LocationCallingAfterCreation,
            PstnAndCallRecording,
            PhoneNumbers,
        ] {
            assert!(!customer_admin_may_change(control, RESTRICTED));
            assert!(!customer_admin_may_change(control, OPEN));
        }
    }

    #[test]
    fn each_lock_names_its_reason() {
        assert_eq!(
            customer_admin_lock(AppCallPriority, OPEN),
            Some(Lock::Always)
        );
        assert_eq!(
            customer_admin_lock(DialBehaviour, RESTRICTED),
            Some(Lock::RestrictedMode)
        );
        assert_eq!(customer_admin_lock(DialBehaviour, OPEN), None);
        let both = OrgRestrictions {
            restricted_by_partner: true,
            restrict_org_settings: true,
        };
        assert_eq!(
            customer_admin_lock(LocationPstnOptions, both),
            Some(Lock::OrgSettings)
        );
        assert_eq!(customer_admin_lock(UserNames, both), None);
    }

    #[test]
    fn hybrid_restriction_locks_pstn_options_even_with_the_mode_off() {
        let hybrid = OrgRestrictions {
            restricted_by_partner: false,
            restrict_org_settings: true,
        };
        assert!(!customer_admin_may_change(LocationPstnOptions, hybrid));
        assert!(customer_admin_may_change(CompanyName, hybrid));
    }
}
