//! Authentication and tenancy as handler parameters (DESIGN convention 2).
//! - `CurrentAdmin`: a signed-in, enabled person; otherwise the sign-in page.
//! - `PartnerScope`: the Partner Hub the person works in, with their roles there.
//!   (`api::auth` has the API's counterparts, `ApiActor` and `ApiPartnerScope`.)
//! - `CustomerScope`: a customer org (from the `{org}` path segment) the person may open;
//!   anything else answers 404 so that existence does not leak.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;
use uuid::Uuid;

use super::session::{AuthSession, SessionState};
use crate::auth::extensions::ActorSlot;
use crate::domain::org_kind::OrgKind;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;
use crate::tenancy::Actor;
use crate::tenancy::actor::SlotActor;
use crate::tenancy::policy::{self, CustomerAccess, PartnerAction};
pub use crate::tenancy::scope::{CustomerScope, PartnerScope};

fn login_redirect(parts: &Parts, expired: bool) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut url = format!("{}?next={}", crate::paths::LOGIN, urlencode(next));
    if expired {
        url.push_str("&expired=1");
    }
    Redirect::to(&url).into_response()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e[2..].to_string())
        .unwrap_or_default()
}

pub struct CurrentAdmin(pub Actor);

impl FromRequestParts<AppState> for CurrentAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(CurrentAdmin(actor.clone()));
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                AppError::Other(anyhow::anyhow!("session layer missing")).into_response()
            })?;
        let auth = AuthSession(session);
        let signed_in = match auth
            .state(state.clock.now())
            .await
            .map_err(IntoResponse::into_response)?
        {
            SessionState::Anonymous => return Err(login_redirect(parts, false)),
            SessionState::Expired => return Err(login_redirect(parts, true)),
            SessionState::Active(s) => s,
        };
        // Read with the session in the same statement, as a rule (`store::sessions`).
        let preloaded = auth
            .preloaded_actor(signed_in.person_id)
            .await
            .map_err(IntoResponse::into_response)?;
        let actor = match preloaded {
            Some(record) => actor_of(record, signed_in.cross_launch),
            None => load_actor(state, signed_in.person_id, signed_in.cross_launch)
                .await
                .map_err(IntoResponse::into_response)?,
        };
        let Some(actor) = actor else {
            auth.sign_out().await.map_err(IntoResponse::into_response)?;
            return Err(login_redirect(parts, false));
        };
        remember_actor(parts, &actor);
        Ok(CurrentAdmin(actor))
    }
}

/// The actor for a person the request proved to be (by session or API token), with every
/// role they hold; `None` when the person no longer exists or is disabled. Used by
/// `CurrentAdmin` and by the API's `ApiActor`, so both see the same actor.
pub async fn load_actor(
    state: &AppState,
    person_id: Uuid,
    cross_launch: Option<Uuid>,
) -> AppResult<Option<Actor>> {
    Ok(store::people::actor_record(&state.db, person_id)
        .await?
        .and_then(|record| actor_of(record, cross_launch)))
}

/// The actor of a person's record; `None` when the person is disabled.
pub(crate) fn actor_of(
    record: store::people::ActorRecord,
    cross_launch: Option<Uuid>,
) -> Option<Actor> {
    if record.person.disabled {
        return None;
    }
    let person = record.person;
    Some(Actor {
        person_id: person.id,
        display_name: person.shown_name(),
        email: person.email,
        home_org_id: person.org_id,
        home_org: record.org,
        assignments: record.assignments,
        removed_orgs: record.removed_orgs,
        cross_launch,
    })
}

/// Makes the actor known to the rest of the request: the audit of denials records who
/// asked, and later extractors of the same request reuse it.
pub(crate) fn remember_actor(parts: &mut Parts, actor: &Actor) {
    if let Some(slot) = parts.extensions.get::<ActorSlot>()
        && let Ok(mut s) = slot.0.lock()
    {
        *s = Some(SlotActor::from(actor));
    }
    parts.extensions.insert(actor.clone());
}

impl FromRequestParts<AppState> for PartnerScope {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CurrentAdmin(actor) = CurrentAdmin::from_request_parts(parts, state).await?;
        let acting_for = actor.cross_launch;
        partner_scope(state, actor, acting_for)
            .await
            .map_err(IntoResponse::into_response)
    }
}

/// The Partner Hub `actor` works in: their own partner org, or — with `acting_for` — one
/// of its sub-partners (a cross-launched session, SPEC §11, or the API's
/// `onBehalfOfSubPartnerOrgId`, SPEC §9). Re-checked on every request, so a revoked role
/// or relationship ends it at once. Anyone without a partner role: 403. A sub-partner the
/// actor's org is not the parent of: 404, so that existence does not leak. Acting for a
/// sub-partner needs what cross-launch needs (`PartnerAction::CrossLaunch`): 403 otherwise.
pub async fn partner_scope(
    state: &AppState,
    actor: Actor,
    acting_for: Option<Uuid>,
) -> AppResult<PartnerScope> {
    let Some((home_id, roles)) = actor.partner_home() else {
        return Err(AppError::Forbidden);
    };
    // The actor's own org was read with the actor (`load_actor`): no second query.
    let home = actor
        .home_org
        .clone()
        .filter(|o| o.id == home_id)
        .ok_or(AppError::Forbidden)?;
    if !home.kind().runs_partner_hub() {
        return Err(AppError::Forbidden);
    }
    let Some(sub_id) = acting_for else {
        return Ok(PartnerScope {
            actor,
            org: home,
            roles,
            home: None,
        });
    };
    if !store::orgs::manages(&state.db, home.id, sub_id, "parent_of_sub_partner").await? {
        return Err(AppError::NotFound);
    }
    if !policy::partner_may(&roles, PartnerAction::CrossLaunch, false) {
        return Err(AppError::Forbidden);
    }
    let sub = store::orgs::summary(&state.db, sub_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(PartnerScope {
        actor,
        org: sub,
        roles,
        home: Some(home),
    })
}

impl FromRequestParts<AppState> for CustomerScope {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let org_param = params
            .iter()
            .find(|(k, _)| *k == "org")
            .map(|(_, v)| v.to_string());
        let CurrentAdmin(actor) = CurrentAdmin::from_request_parts(parts, state).await?;
        let org_id = org_param
            .and_then(|v| Uuid::parse_str(&v).ok())
            .ok_or_else(|| AppError::NotFound.into_response())?;
        // The org's own admins, once its services are removed, are told so (the
        // page a sign-in and the home link lead to) instead of an unexplained 404.
        let lost = actor.lost_customer_org(org_id);
        customer_scope(state, actor, org_id)
            .await
            .map_err(|e| match e {
                AppError::NotFound if lost => {
                    Redirect::to(crate::paths::SERVICES_REMOVED).into_response()
                }
                e => e.into_response(),
            })
    }
}

async fn customer_scope(state: &AppState, actor: Actor, org_id: Uuid) -> AppResult<CustomerScope> {
    // The hub a partner admin works in (their own, or the sub-partner they entered), so
    // that whether it onboarded the org comes with the org, in one statement.
    let hub = actor
        .partner_home()
        .map(|(home, _)| actor.cross_launch.unwrap_or(home));
    let opened = store::orgs::customer_opened(&state.db, org_id, hub)
        .await?
        .ok_or(AppError::NotFound)?;
    let (org, onboarded_by_hub, people, branding) = (
        opened.summary,
        opened.onboarded_by_partner,
        opened.people,
        opened.branding,
    );
    if org.kind() != OrgKind::Customer {
        return Err(AppError::NotFound);
    }
    // A customer admin's roles open nothing once the org's services are being removed.
    if !actor.removed_orgs.contains(&org_id)
        && let Some(access) = CustomerAccess::from_customer_roles(&actor.roles_on(org_id))
    {
        return Ok(CustomerScope {
            actor,
            org,
            access,
            partner: None,
            people,
            branding,
        });
    }
    // A partner admin reaches the customers its current hub onboarded, while they hold
    // wholesale services: a Flex-only customer has no cross-launch (SPEC §7).
    if !org.flex_only()
        && let Ok(partner) = partner_scope(state, actor.clone(), actor.cross_launch).await
        && (if Some(partner.org.id) == hub {
            onboarded_by_hub
        } else {
            store::orgs::manages(&state.db, partner.org.id, org_id, "onboarded").await?
        })
        && let Some(access) = CustomerAccess::from_partner_roles(&partner.roles)
    {
        return Ok(CustomerScope {
            actor,
            org,
            access,
            partner: Some(partner.org),
            people,
            branding,
        });
    }
    Err(AppError::NotFound)
}
