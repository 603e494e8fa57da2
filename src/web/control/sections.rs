//! Security, organisation settings and calling: what is set, and who may change each
//! setting here — the viewer or not, and the customer's admins under restricted mode
//! (SPEC §7). Editing these arrives with the capabilities that own them.

use askama::Template;
use askama_web::WebTemplate;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::restrictions::{Control, Lock, customer_admin_lock};
use crate::error::AppResult;
use crate::tenancy::policy::CustomerAccess;
use crate::web::views::PageCtx;

pub struct Setting {
    pub label: &'static str,
    /// The control's name, for the row (`data-control`).
    pub key: String,
    /// The viewer may change it.
    pub editable: bool,
    /// Who may change it, said to the viewer.
    pub who: String,
}

/// Who may change a setting, said to the viewer: a partner admin hears whether the
/// customer's admins may too; a customer admin hears whether it is theirs or their
/// partner's, and why.
fn who_may_change(access: CustomerAccess, editable: bool, lock: Option<Lock>) -> String {
    let read_only = if editable { "" } else { " (read-only for you)" };
    match access {
        CustomerAccess::Partner { .. } => {
            let partner = if editable {
                "You"
            } else {
                "Partner administrators"
            };
            match lock {
                None => format!("{partner} and the customer's administrators{read_only}"),
                Some(lock) => {
                    let why = match lock {
                        Lock::Always => "customer administrators never change it",
                        Lock::OrgSettings => {
                            "the organisation-settings restriction locks it for the customer's administrators"
                        }
                        Lock::RestrictedMode => {
                            "restricted mode locks it for the customer's administrators"
                        }
                    };
                    let only = if editable {
                        "Only you"
                    } else {
                        "Partner administrators only"
                    };
                    format!("{only}: {why}{read_only}")
                }
            }
        }
        CustomerAccess::CustomerFull | CustomerAccess::CustomerReadOnly => match lock {
            None if editable => "You".into(),
            None => format!("Your organisation's full administrators{read_only}"),
            Some(lock) => {
                let why = match lock {
                    Lock::Always => "customer administrators never change it",
                    Lock::OrgSettings => "your partner restricts organisation settings",
                    Lock::RestrictedMode => "restricted mode is on",
                };
                format!("Your partner only: {why}")
            }
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "control/section.html")]
pub struct SectionPage {
    page: PageCtx,
    intro: &'static str,
    settings: Vec<Setting>,
}

async fn section(
    scope: CustomerScope,
    session: AuthSession,
    key: &str,
    title: &str,
    intro: &'static str,
    controls: &[(&'static str, Control)],
) -> AppResult<SectionPage> {
    Ok(SectionPage {
        page: PageCtx::control(&scope, &session, key, title).await?,
        intro,
        settings: controls
            .iter()
            .map(|(label, c)| {
                let editable = scope.may_change(*c);
                let lock = customer_admin_lock(*c, scope.org.restrictions());
                Setting {
                    label,
                    key: format!("{c:?}"),
                    editable,
                    who: who_may_change(scope.access, editable, lock),
                }
            })
            .collect(),
    })
}

pub async fn security(scope: CustomerScope, session: AuthSession) -> AppResult<SectionPage> {
    section(
        scope,
        session,
        "security",
        "Security",
        "How people of this organisation sign in.",
        &[("Authentication and single sign-on", Control::Authentication)],
    )
    .await
}

pub async fn settings(scope: CustomerScope, session: AuthSession) -> AppResult<SectionPage> {
    section(
        scope,
        session,
        "settings",
        "Organisation settings",
        "Domains, email and directory settings.",
        &[
            ("Domain", Control::DomainAndEmailSettings),
            (
                "Email settings (suppress admin invites, email language)",
                Control::DomainAndEmailSettings,
            ),
            ("Directory synchronisation", Control::DirectorySync),
            (
                "Migrations and connected UC",
                Control::MigrationsAndConnectedUc,
            ),
        ],
    )
    .await
}

pub async fn calling(scope: CustomerScope, session: AuthSession) -> AppResult<SectionPage> {
    section(
        scope,
        session,
        "calling",
        "Calling",
        "Calling behaviour of this organisation and its locations.",
        &[
            ("Dial behaviour", Control::DialBehaviour),
            ("App options: call priority", Control::AppCallPriority),
            (
                "Location PSTN: local gateway and vendor options",
                Control::LocationPstnOptions,
            ),
            (
                "Location calling settings after creation",
                Control::LocationCallingAfterCreation,
            ),
            (
                "PSTN management and call recording",
                Control::PstnAndCallRecording,
            ),
            ("Phone numbers", Control::PhoneNumbers),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTNER: CustomerAccess = CustomerAccess::Partner { may_change: true };
    const PARTNER_READ_ONLY: CustomerAccess = CustomerAccess::Partner { may_change: false };

    #[test]
    fn a_partner_admin_hears_what_the_customer_admins_may_change() {
        assert_eq!(
            who_may_change(PARTNER, true, None),
            "You and the customer's administrators"
        );
        assert_eq!(
            who_may_change(PARTNER, true, Some(Lock::RestrictedMode)),
            "Only you: restricted mode locks it for the customer's administrators"
        );
        assert_eq!(
            who_may_change(PARTNER, true, Some(Lock::Always)),
            "Only you: customer administrators never change it"
        );
        assert!(
            who_may_change(PARTNER_READ_ONLY, false, Some(Lock::RestrictedMode))
                .ends_with("(read-only for you)")
        );
    }

    #[test]
    fn a_customer_admin_hears_whether_it_is_theirs_or_their_partners() {
        let full = CustomerAccess::CustomerFull;
        assert_eq!(who_may_change(full, true, None), "You");
        assert_eq!(
            who_may_change(full, false, Some(Lock::RestrictedMode)),
            "Your partner only: restricted mode is on"
        );
        assert_eq!(
            who_may_change(full, false, Some(Lock::Always)),
            "Your partner only: customer administrators never change it"
        );
        assert_eq!(
            who_may_change(CustomerAccess::CustomerReadOnly, false, None),
            "Your organisation's full administrators (read-only for you)"
        );
    }
}
