//! The developer mailbox: the automatic emails of this partner's orgs as they left (or,
//! without SMTP, would have left) the outbox (SPEC §13).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::emails::{self, EmailRow};
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "partner/mailbox.html")]
pub struct MailboxPage {
    page: PageCtx,
    rows: Vec<EmailRow>,
    smtp: bool,
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<MailboxPage> {
    scope.require(PartnerAction::ViewAdministration)?;
    Ok(MailboxPage {
        page: PageCtx::partner(&scope, &session, "mailbox", "Mailbox").await?,
        rows: emails::for_partner(&state.db, scope.org.id, 200).await?,
        smtp: std::env::var("HUB_SMTP_URL").is_ok(),
    })
}
