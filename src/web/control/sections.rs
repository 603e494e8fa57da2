//! Security, organisation settings and calling: what is set, and what a customer admin
//! may change here under restricted mode (SPEC §7). Editing these arrives with the
//! capabilities that own them.

use askama::Template;
use askama_web::WebTemplate;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::restrictions::Control;
use crate::error::AppResult;
use crate::web::views::PageCtx;

pub struct Setting {
    pub label: &'static str,
    pub editable: bool,
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
            .map(|(label, c)| Setting {
                label,
                editable: scope.may_change(*c),
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
