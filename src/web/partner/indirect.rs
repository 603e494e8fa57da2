//! Indirect providers (sub-partners): onboarding, suspending and reinstating them, and
//! cross-launch into their hubs (SPEC §11).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::session::AuthSession;
use crate::auth::{CurrentAdmin, PartnerScope};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::sub_partners::{self, Onboarding};
use crate::state::AppState;
use crate::store;
use crate::store::orgs::SubPartnerRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::FormErrors;
use crate::web::forms::{CheckedForm, Choice, choices};
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::INDIRECT, list)
        .get(paths::INDIRECT_NEW, new_form)
        .post(paths::INDIRECT_NEW, onboard)
        .post(paths::INDIRECT_SUSPEND, suspend)
        .post(paths::INDIRECT_REINSTATE, reinstate)
        .post(paths::INDIRECT_INVITE, reinvite)
        .post(paths::INDIRECT_LAUNCH, launch)
        .post(paths::PARTNER_RETURN, leave)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/indirect/list.html")]
pub struct ListPage {
    page: PageCtx,
    rows: Vec<SubPartnerRow>,
    /// Onboarding, suspending and reinstating (the parent's own full admins).
    may_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<ListPage> {
    scope.require(PartnerAction::CrossLaunch)?;
    Ok(ListPage {
        page: PageCtx::partner(&scope, &session, "indirect", "Indirect providers").await?,
        rows: store::orgs::sub_partners(&state.db, scope.org_id()).await?,
        may_manage: scope.may(PartnerAction::ManageSubPartners),
    })
}

// ── Onboarding ──────────────────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/indirect/new.html")]
pub struct NewPage {
    page: PageCtx,
    form: Onboarding,
    subscriptions: Vec<Choice>,
    errors: FormErrors,
    today: String,
}

impl NewPage {
    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
}

async fn new_page(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    form: Onboarding,
    errors: FormErrors,
) -> AppResult<NewPage> {
    let ids = sub_partners::shareable_subscriptions(state, scope).await?;
    // One subscription: chosen already.
    let current = if form.subscription_id.is_empty() && ids.len() == 1 {
        ids[0].clone()
    } else {
        form.subscription_id.clone()
    };
    let mut items = vec![(String::new(), "Choose a subscription".to_string())];
    items.extend(ids.into_iter().map(|id| (id.clone(), id)));
    Ok(NewPage {
        page: PageCtx::partner(scope, session, "indirect", "Add indirect provider")
            .await?
            .at(
                Trail::default().to("Indirect providers", paths::INDIRECT),
                "Add indirect provider",
            ),
        subscriptions: choices(items, &current),
        form,
        errors,
        today: state.clock.now().date().to_string(),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<NewPage> {
    scope.require(PartnerAction::ManageSubPartners)?;
    new_page(
        &state,
        &scope,
        &session,
        Onboarding::default(),
        FormErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct OnboardForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    admin_first_name: String,
    #[serde(default)]
    admin_last_name: String,
    #[serde(default)]
    subscription_id: String,
    #[serde(default)]
    billing_start_date: String,
}

/// Onboards the sub-partner and goes back to the list, where it shows as pending; a
/// refusal shows the form again with everything typed.
pub async fn onboard(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, controls }: CheckedForm<OnboardForm>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageSubPartners)?;
    let form = Onboarding {
        name: f.name,
        admin_email: f.admin_email,
        admin_first_name: f.admin_first_name,
        admin_last_name: f.admin_last_name,
        subscription_id: f.subscription_id,
        billing_start_date: f.billing_start_date,
    };
    let refused = if !controls.is_empty() {
        controls
    } else {
        match sub_partners::onboard(&state, &scope, &form, &req.ctx()).await {
            Ok(_) => {
                session
                    .flash(format!(
                        "{} is onboarded. Its administrator, {}, has been sent an invitation; it stays pending until they accept it.",
                        form.name.trim(),
                        form.admin_email.trim()
                    ))
                    .await?;
                return Ok(Redirect::to(paths::INDIRECT).into_response());
            }
            Err(AppError::Validation(errors)) => crate::web::fields::form_errors(errors),
            Err(e) => return Err(e),
        }
    };
    let page = new_page(&state, &scope, &session, form, refused).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

// ── Suspending and reinstating ──────────────────────────────────────────────────────

async fn change_state(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    req: &ReqInfo,
    id: Uuid,
    suspend: bool,
) -> AppResult<Redirect> {
    let done = sub_partners::set_suspended(state, scope, id, suspend, &req.ctx()).await?;
    session.flash(done.message()).await?;
    Ok(Redirect::to(paths::INDIRECT))
}

pub async fn suspend(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    change_state(&state, &scope, &session, &req, id, true).await
}

pub async fn reinstate(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    change_state(&state, &scope, &session, &req, id, false).await
}

async fn audit(
    state: &AppState,
    scope_actor: &crate::tenancy::Actor,
    from: Uuid,
    to: Uuid,
    action: &str,
    req: &ReqInfo,
) -> AppResult<()> {
    crate::services::audit::record_cross_launch(
        state,
        scope_actor,
        from,
        to,
        action,
        "success",
        &req.ctx(),
    )
    .await?;
    Ok(())
}

/// Opens a sub-partner's Partner Hub as the parent admin, under a fresh session id.
pub async fn launch(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    if let Err(why) = sub_partners::may_enter(&state, &scope, id, &req.ctx()).await? {
        session.flash(why).await?;
        return Ok(Redirect::to(paths::INDIRECT));
    }
    session.set_cross_launch(Some(id)).await?;
    audit(
        &state,
        &scope.actor,
        scope.org.id,
        id,
        "cross_launch.enter",
        &req,
    )
    .await?;
    Ok(Redirect::to(paths::PARTNER))
}

/// Returns from a sub-partner's hub to one's own.
pub async fn leave(
    State(state): State<AppState>,
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
    req: ReqInfo,
) -> AppResult<Redirect> {
    if let Some(sub) = actor.cross_launch {
        session.set_cross_launch(None).await?;
        audit(
            &state,
            &actor,
            actor.home_org_id,
            sub,
            "cross_launch.leave",
            &req,
        )
        .await?;
    }
    Ok(Redirect::to(paths::INDIRECT))
}

/// Sends a pending sub-partner's first admin a new invitation.
pub async fn reinvite(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    let done = sub_partners::reinvite(&state, &scope, id, &req.ctx()).await?;
    session.flash(done.message()).await?;
    Ok(Redirect::to(paths::INDIRECT))
}
