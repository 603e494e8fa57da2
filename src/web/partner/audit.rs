//! The audit log, filtered by actor, org, action and time.

use crate::web::forms::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::AppResult;
use crate::paths;
use crate::state::AppState;
use crate::store::audit::{self, AuditFilter, AuditRow, Identities};
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::FormErrors;
use crate::web::views::PageCtx;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/audit.html")]
pub struct AuditPage {
    page: PageCtx,
    q: AuditQuery,
    actions: Vec<String>,
    rows: Vec<AuditRow>,
    errors: FormErrors,
    older_href: Option<String>,
}

/// `datetime-local` input values (`2026-11-26T09:30`), taken as UTC.
fn parse_local(field: &str, value: &str, errors: &mut FormErrors) -> Option<OffsetDateTime> {
    if value.is_empty() {
        return None;
    }
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    match PrimitiveDateTime::parse(value, fmt).or_else(|_| {
        PrimitiveDateTime::parse(
            value,
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
    }) {
        Ok(t) => Some(t.assume_utc()),
        Err(_) => {
            errors
                .entry(field.into())
                .or_default()
                .push("Enter a date and time such as 2026-11-26T09:30.".into());
            None
        }
    }
}

/// A sub-partner's own admins never see their parent (SPEC §1); the parent's admins,
/// cross-launched into the sub-partner's hub, see who did what.
fn identities(scope: &PartnerScope) -> Identities {
    if scope.cross_launched() {
        Identities::All
    } else {
        Identities::HideManagingPartner
    }
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ViewAdministration)?;
    let mut errors = FormErrors::new();
    let from = parse_local("from", q.from.trim(), &mut errors);
    let to = parse_local("to", q.to.trim(), &mut errors);
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let filter = AuditFilter {
        actor: nonempty(&q.actor),
        org: nonempty(&q.org),
        action: nonempty(&q.action),
        from,
        to,
        before_id: q.before,
        limit: PAGE_SIZE,
    };
    let rows = if errors.is_empty() {
        audit::list(&state.db, scope.org_id(), identities(&scope), &filter).await?
    } else {
        vec![]
    };
    let older_href = (rows.len() as i64 == PAGE_SIZE).then(|| {
        let last = rows.last().map(|r| r.id).unwrap_or(0);
        format!(
            "{}?{}",
            paths::AUDIT,
            serde_urlencoded::to_string([
                ("actor", q.actor.as_str()),
                ("org", q.org.as_str()),
                ("action", q.action.as_str()),
                ("from", q.from.as_str()),
                ("to", q.to.as_str()),
                ("before", &last.to_string()),
            ])
            .unwrap_or_default()
        )
    });
    let status_ok = errors.is_empty();
    let page = AuditPage {
        page: PageCtx::partner(&scope, &session, "audit", "Audit log").await?,
        q,
        actions: audit::actions(&state.db, scope.org_id()).await?,
        rows,
        errors,
        older_href,
    };
    // The page shows the field errors beside the inputs; the status tells scripts.
    let status = if status_ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, page).into_response())
}
