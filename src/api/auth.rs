//! The API's authentication and tenancy extractors (DESIGN convention 2), the bearer-token
//! counterparts of `CurrentAdmin` and `PartnerScope`. They never look at the session
//! cookie, and they refuse with the API's JSON error body.
//! - `ApiActor`: the person behind `Authorization: Bearer <token>`; otherwise 401 with
//!   `WWW-Authenticate: Bearer`.
//! - `ApiPartnerScope`: the Partner Hub the token's admin works in, or the sub-partner
//!   named by `onBehalfOfSubPartnerOrgId` (SPEC §9).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use uuid::Uuid;

use super::error::ApiError;
use crate::auth::extractors::{PartnerScope, actor_of, load_actor, partner_scope, remember_actor};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenancy::Actor;

/// The query parameter by which a parent partner acts for one of its sub-partners.
pub const ON_BEHALF_OF: &str = "onBehalfOfSubPartnerOrgId";

/// A token-authenticated actor. The token carries its admin's roles, no more.
pub struct ApiActor(pub Actor);

/// Caches the token's actor for the rest of the request. A type of its own, so that an
/// actor taken from a session can never pass for one proven by a token.
#[derive(Clone)]
struct TokenActor(Actor);

/// The token in `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(TokenActor(actor)) = parts.extensions.get::<TokenActor>() {
            return Ok(ApiActor(actor.clone()));
        }
        let secret = bearer(parts).ok_or(AppError::Unauthenticated)?;
        let (person_id, record) = crate::services::sign_in::api_token(
            state,
            secret,
            &crate::http::client_addr::client_ip(parts),
        )
        .await?;
        // Read with the token in the same statement, as a rule (`store::tokens`).
        let actor = match record {
            Some(record) => actor_of(record, None),
            None => load_actor(state, person_id, None).await?,
        }
        .ok_or(AppError::Unauthenticated)?;
        remember_actor(parts, &actor);
        parts.extensions.insert(TokenActor(actor.clone()));
        Ok(ApiActor(actor))
    }
}

/// The Partner Hub an API call works in: the token admin's partner org, or the sub-partner
/// named by `onBehalfOfSubPartnerOrgId`. The same `PartnerScope` the pages get, decided by
/// the same `partner_scope`.
pub struct ApiPartnerScope(pub PartnerScope);

/// The sub-partner named by `onBehalfOfSubPartnerOrgId`, if any. A value that is no org
/// id cannot name one of the caller's sub-partners: 404, like any foreign org.
fn on_behalf_of(parts: &Parts) -> Result<Option<Uuid>, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).unwrap_or_default();
    match pairs.into_iter().find(|(k, _)| k == ON_BEHALF_OF) {
        Some((_, v)) if !v.trim().is_empty() => Uuid::parse_str(v.trim())
            .map(Some)
            .map_err(|_| AppError::NotFound),
        _ => Ok(None),
    }
}

impl FromRequestParts<AppState> for ApiPartnerScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiActor(actor) = ApiActor::from_request_parts(parts, state).await?;
        let acting_for = on_behalf_of(parts)?;
        Ok(ApiPartnerScope(
            partner_scope(state, actor, acting_for).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(auth: Option<&str>, uri: &str) -> Parts {
        let mut b = Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header(AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_bearer_token_is_read_from_the_authorization_header() {
        assert_eq!(bearer(&parts(Some("Bearer whk_abc"), "/")), Some("whk_abc"));
        assert_eq!(
            bearer(&parts(Some("bearer  whk_abc "), "/")),
            Some("whk_abc")
        );
        assert_eq!(bearer(&parts(Some("Basic dXNlcjpwdw=="), "/")), None);
        assert_eq!(bearer(&parts(Some("Bearer "), "/")), None);
        assert_eq!(bearer(&parts(None, "/")), None);
    }

    #[test]
    fn on_behalf_of_is_a_query_parameter_holding_an_org_id() {
        let id = Uuid::new_v4();
        let p = parts(None, &format!("/v1/x?max=1&{ON_BEHALF_OF}={id}"));
        assert_eq!(on_behalf_of(&p).unwrap(), Some(id));
        assert_eq!(on_behalf_of(&parts(None, "/v1/x?max=1")).unwrap(), None);
        assert!(matches!(
            on_behalf_of(&parts(None, &format!("/v1/x?{ON_BEHALF_OF}=nope"))),
            Err(AppError::NotFound)
        ));
    }
}
