//! Signing in through a partner's IdP (SPEC §10): starting the flow (a server-side,
//! single-use, five-minute transaction holding what we sent), and finishing it from the
//! IdP's answer. A verified answer signs in only someone who already exists in an org
//! bound to that IdP; every failure is audited with its reason. An admin's *Test
//! sign-in* runs the same flow and keeps a report instead of making a session.

use base64::Engine;
use rand::RngCore;
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use crate::auth::oidc;
use crate::auth::saml;
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::store::sso::{IdpRow, NewTransaction, Transaction, TxnKey};
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// How long the IdP has to send the user back.
pub const TRANSACTION_TTL: Duration = Duration::minutes(5);

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The redirect URI an OIDC IdP is registered with.
pub fn oidc_redirect_uri(state: &AppState, idp: Uuid) -> String {
    format!(
        "{}{}",
        state.config.public_url,
        crate::paths::oidc_callback(idp)
    )
}

pub fn sp_of(state: &AppState, partner: Uuid) -> saml::Sp {
    saml::Sp::of_partner(&state.config.public_url, partner)
}

/// The browser a flow belongs to, as kept: a hash of its session id (never the id).
pub fn browser_of(session_id: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(session_id.as_bytes()))
}

/// Where a flow starts: who asks (for a test) and in which browser.
#[derive(Default, Clone, Copy)]
pub struct Start<'a> {
    pub login_hint: Option<&'a str>,
    pub return_to: Option<&'a str>,
    pub tested_by: Option<Uuid>,
    /// The session id of the browser, when it has one.
    pub session_id: Option<&'a str>,
}

/// Starts a sign-in (or, with `tested_by`, an admin's test) through `idp`; answers the
/// IdP address to send the browser to.
pub async fn begin(state: &AppState, idp: &IdpRow, start: Start<'_>) -> AppResult<String> {
    let Start {
        login_hint,
        return_to,
        tested_by,
        session_id,
    } = start;
    let browser = session_id.map(browser_of);
    let now = state.clock.now();
    let id = random_token();
    let failed = |why: String| AppError::Other(anyhow::anyhow!("starting SSO: {why}"));
    let (url, request_id, started) = match idp.kind.as_str() {
        "saml" => {
            let request_id = saml::new_request_id();
            let hint = login_hint.filter(|_| idp.pass_email_in_request);
            let url = saml::authn_request_url(
                &sp_of(state, idp.partner_org_id),
                idp.saml_metadata.as_deref().unwrap_or_default(),
                idp.saml_sso_url.as_deref().unwrap_or_default(),
                &request_id,
                &id,
                hint,
            )
            .map_err(failed)?;
            (url, Some(request_id), None)
        }
        _ => {
            let started = oidc::start(idp, &oidc_redirect_uri(state, idp.id), login_hint)
                .await
                .map_err(|why| AppError::Conflict(format!(
                    "The identity provider cannot be reached right now ({why}). Try again in a moment, or ask your administrator."
                )))?;
            (started.url.clone(), None, Some(started))
        }
    };
    store::sso::begin(
        &state.db,
        &NewTransaction {
            id: &id,
            idp_id: idp.id,
            saml_request_id: request_id.as_deref(),
            oidc_state: started.as_ref().map(|s| s.state.as_str()),
            oidc_nonce: started.as_ref().map(|s| s.nonce.as_str()),
            pkce_verifier: started.as_ref().map(|s| s.pkce_verifier.as_str()),
            login_hint,
            return_to,
            tested_by,
            browser: browser.as_deref(),
        },
        now,
        now + TRANSACTION_TTL,
    )
    .await?;
    Ok(url)
}

/// How a finished flow ended.
#[derive(Debug)]
pub enum Finish {
    SignedIn {
        person_id: Uuid,
        return_to: Option<String>,
    },
    /// An admin's test: its report is kept on the transaction `txn`.
    Tested { txn: String },
    /// Refused; the reason is in plain words (and in the audit log).
    Failed { reason: String },
}

/// What the IdP vouched for, from either protocol.
struct Vouched {
    email: Option<String>,
    subject: String,
    /// Attributes (SAML) or claims (OIDC), for a test's report.
    details: serde_json::Value,
}

async fn audit_failure(
    state: &AppState,
    idp: Option<&IdpRow>,
    reason: &str,
    email: Option<&str>,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_email: email,
            acting_for_org_id: idp.map(|i| i.partner_org_id),
            action: "login.sso",
            outcome: "failure",
            detail: json!({
                "reason": reason,
                "idp_id": idp.map(|i| i.id),
                "kind": idp.map(|i| i.kind.as_str()),
            }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// What a *Test sign-in* found, kept on its transaction for the settings page.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TestReport {
    pub ok: bool,
    pub kind: String,
    /// Why the answer was refused.
    pub reason: Option<String>,
    pub subject: Option<String>,
    pub email: Option<String>,
    /// The SAML attributes or OIDC claims that came back.
    pub details: serde_json::Value,
    /// Whether the email belongs to someone this IdP may sign in.
    pub matches: bool,
}

/// An admin's test: keeps what came back (and audits it) instead of making a session.
async fn keep_test_report(
    state: &AppState,
    idp: &IdpRow,
    txn: &Transaction,
    vouched: &Result<Vouched, String>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Finish> {
    let report = match vouched {
        Ok(v) => TestReport {
            ok: true,
            kind: idp.kind.clone(),
            subject: Some(v.subject.clone()),
            email: v.email.clone(),
            details: v.details.clone(),
            matches: match &v.email {
                Some(e) => store::sso::person_for(&state.db, idp.id, e)
                    .await?
                    .is_some(),
                None => false,
            },
            ..TestReport::default()
        },
        Err(reason) => TestReport {
            kind: idp.kind.clone(),
            reason: Some(reason.clone()),
            ..TestReport::default()
        },
    };
    let report = serde_json::to_value(&report).map_err(anyhow::Error::from)?;
    store::sso::keep_report(&state.db, &txn.id, &report).await?;
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: txn.tested_by,
            acting_for_org_id: Some(idp.partner_org_id),
            action: "sso.test",
            outcome: if vouched.is_ok() {
                "success"
            } else {
                "failure"
            },
            detail: json!({ "idp_id": idp.id, "report": report }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await?;
    Ok(Finish::Tested {
        txn: txn.id.clone(),
    })
}

/// Ends a flow whose IdP answer was checked (`vouched`) or refused.
async fn conclude(
    state: &AppState,
    idp: &IdpRow,
    txn: Option<&Transaction>,
    vouched: Result<Vouched, String>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Finish> {
    if let Some(txn) = txn.filter(|t| t.purpose == "test") {
        return keep_test_report(state, idp, txn, &vouched, ctx).await;
    }
    let v = match vouched {
        Ok(v) => v,
        Err(reason) => {
            audit_failure(state, Some(idp), &reason, None, ctx).await?;
            return Ok(Finish::Failed { reason });
        }
    };
    let Some(email) = v.email.as_deref() else {
        let reason = "the identity provider did not say the user's email".to_string();
        audit_failure(state, Some(idp), &reason, None, ctx).await?;
        return Ok(Finish::Failed { reason });
    };
    let Some(person_id) = store::sso::person_for(&state.db, idp.id, email).await? else {
        let reason = format!(
            "{email} is not a user of any organisation that signs in through this identity provider"
        );
        audit_failure(state, Some(idp), &reason, Some(email), ctx).await?;
        return Ok(Finish::Failed { reason });
    };
    let org = store::people::by_id(&state.db, person_id)
        .await?
        .map(|p| p.org_id);
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: Some(person_id),
            actor_email: Some(email),
            acting_for_org_id: org,
            target_org_id: org,
            action: "login.sso",
            outcome: "success",
            detail: json!({ "idp_id": idp.id, "kind": idp.kind, "subject": v.subject }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        state.clock.now(),
    )
    .await?;
    Ok(Finish::SignedIn {
        person_id,
        return_to: txn.and_then(|t| t.return_to.clone()),
    })
}

/// The SAML ACS of `partner`: `relay_state` names our transaction (an IdP-initiated
/// response has none and is taken only when the partner allowed it).
pub async fn finish_saml(
    state: &AppState,
    partner: Uuid,
    saml_response: &str,
    relay_state: Option<&str>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Finish> {
    let now = state.clock.now();
    let Some(idp) = store::sso::saml_of(&state.db, partner).await? else {
        let reason = "this partner has no SAML identity provider".to_string();
        audit_failure(state, None, &reason, None, ctx).await?;
        return Ok(Finish::Failed { reason });
    };
    let txn = match relay_state.filter(|r| !r.is_empty()) {
        Some(relay) => match store::sso::take(&state.db, TxnKey::Id(relay), now).await? {
            Some(t) if t.idp_id == idp.id && t.saml_request_id.is_some() => Some(t),
            _ => {
                let reason = "no sign-in is waiting for this response (it was used already, it expired, or it was never asked for)".to_string();
                audit_failure(state, Some(&idp), &reason, None, ctx).await?;
                return Ok(Finish::Failed { reason });
            }
        },
        None if idp.allow_idp_initiated => None,
        None => {
            let reason = "the identity provider sent a sign-in nobody asked for (IdP-initiated sign-in is off)".to_string();
            audit_failure(state, Some(&idp), &reason, None, ctx).await?;
            return Ok(Finish::Failed { reason });
        }
    };
    let sp = sp_of(state, partner);
    let metadata = idp.saml_metadata.clone().unwrap_or_default();
    let response = saml_response.to_string();
    let request_id = txn.as_ref().and_then(|t| t.saml_request_id.clone());
    // xmlsec works synchronously: off the async threads.
    let verified = tokio::task::spawn_blocking(move || {
        saml::verify_response(&sp, &metadata, &response, request_id.as_deref())
    })
    .await
    .map_err(|e| AppError::Other(e.into()))?;
    let vouched = match verified {
        Ok(v) => {
            if store::sso::consume_assertion(&state.db, &v.assertion_id, v.keep_until).await? {
                Ok(Vouched {
                    email: v.email.clone(),
                    subject: v.name_id.clone(),
                    details: json!(v.attributes),
                })
            } else {
                Err("this response was used already (a replay)".to_string())
            }
        }
        Err(reason) => Err(reason),
    };
    conclude(state, &idp, txn.as_ref(), vouched, ctx).await
}

/// What the IdP sent back to the redirect URI, and the browser it came in.
pub struct OidcAnswer<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
    pub session_id: Option<&'a str>,
}

/// The OIDC redirect URI of `idp`: `state` names our transaction; `code` is traded for
/// tokens with our PKCE verifier; an `error` from the IdP ends the flow plainly.
pub async fn finish_oidc(
    state: &AppState,
    idp_id: Uuid,
    answer: OidcAnswer<'_>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Finish> {
    let OidcAnswer {
        code,
        state: oidc_state,
        error: idp_error,
        session_id,
    } = answer;
    let now = state.clock.now();
    let idp = store::sso::by_id(&state.db, idp_id)
        .await?
        .filter(|i| i.kind == "oidc");
    let txn = match oidc_state {
        Some(s) if !s.is_empty() => store::sso::take(&state.db, TxnKey::OidcState(s), now).await?,
        _ => None,
    };
    let (Some(idp), Some(txn)) = (idp, txn.filter(|t| t.idp_id == idp_id)) else {
        let reason =
            "no sign-in is waiting for this answer (the state is unknown, used already or expired)"
                .to_string();
        let idp = store::sso::by_id(&state.db, idp_id).await?;
        audit_failure(state, idp.as_ref(), &reason, None, ctx).await?;
        return Ok(Finish::Failed { reason });
    };
    // The answer belongs to the browser that asked (the redirect back is a top-level
    // navigation, so its session cookie comes along): a sign-in started elsewhere and
    // handed to this browser is refused (login CSRF).
    if txn.browser.is_some() && txn.browser != session_id.map(browser_of) {
        let reason = "this answer belongs to a sign-in started in another browser".to_string();
        audit_failure(state, Some(&idp), &reason, None, ctx).await?;
        return Ok(Finish::Failed { reason });
    }
    let vouched = match (idp_error, code) {
        (Some(error), _) => Err(format!(
            "the identity provider refused the sign-in ({error})"
        )),
        (None, None) => Err("the identity provider sent no authorization code".to_string()),
        (None, Some(code)) => verify_oidc(state, &idp, &txn, code).await?,
    };
    conclude(state, &idp, Some(&txn), vouched, ctx).await
}

async fn verify_oidc(
    state: &AppState,
    idp: &IdpRow,
    txn: &Transaction,
    code: &str,
) -> AppResult<Result<Vouched, String>> {
    let Some(key) = state.config.secrets_key.as_ref() else {
        return Ok(Err(
            "this server has no HUB_SECRETS_KEY to open the client secret".into(),
        ));
    };
    let Ok(secret) = key.open(
        idp.oidc_client_secret_enc.as_deref().unwrap_or_default(),
        idp.id.as_bytes(),
    ) else {
        return Ok(Err(
            "the stored client secret does not open with this server's key".into(),
        ));
    };
    let exchange = oidc::Exchange {
        redirect_uri: oidc_redirect_uri(state, idp.id),
        client_secret: secret,
        code: code.to_string(),
        nonce: txn.oidc_nonce.clone().unwrap_or_default(),
        pkce_verifier: txn.pkce_verifier.clone().unwrap_or_default(),
    };
    let now = state.clock.now();
    let outcome = oidc::finish(idp, &exchange, now, || async {
        store::sso::may_refetch_keys(&state.db, idp.id, now)
            .await
            .unwrap_or(false)
    })
    .await;
    Ok(outcome.map(|c| Vouched {
        email: c.email,
        subject: c.subject,
        details: c.claims,
    }))
}

/// Starts an admin's *Test sign-in* of one of the partner's IdPs (partner full admins
/// only); answers the IdP address to send the browser to.
pub async fn begin_test(
    state: &AppState,
    scope: &PartnerScope,
    idp: Uuid,
    session_id: Option<&str>,
) -> AppResult<String> {
    scope.require(PartnerAction::ManageAdministration)?;
    let idp = store::sso::get(&state.db, scope.org_id(), idp)
        .await?
        .ok_or(AppError::NotFound)?;
    let start = Start {
        login_hint: Some(&scope.actor.email),
        return_to: None,
        tested_by: Some(scope.actor.person_id),
        session_id,
    };
    begin(state, &idp, start).await
}

/// A test's report, for the admin who ran it: the IdP it tested, and what it found.
pub async fn report(
    state: &AppState,
    txn: &str,
    person: Uuid,
) -> AppResult<Option<(Uuid, TestReport)>> {
    let Some((idp, report)) = store::sso::report_of(&state.db, txn, person).await? else {
        return Ok(None);
    };
    let report = serde_json::from_value(report).map_err(anyhow::Error::from)?;
    Ok(Some((idp, report)))
}

/// Where the sign-in page sends an email (SPEC §10, email first).
#[derive(Debug)]
pub enum Route {
    /// Built-in identity (or nobody by that email: the same step, revealing nothing).
    Password,
    /// To the IdP, at this address.
    Redirect(String),
    /// The org signs in through an IdP that is not configured (or was removed).
    NotSetUp,
    /// The IdP cannot be reached to start the sign-in; the message says so plainly.
    Unavailable(String),
}

pub async fn route(
    state: &AppState,
    email: &str,
    return_to: Option<&str>,
    session_id: Option<&str>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Route> {
    let Some(found) = store::sso::route_of(&state.db, email).await? else {
        return Ok(Route::Password);
    };
    if found.auth_mode == "webex" {
        return Ok(Route::Password);
    }
    let idp = match found.idp_id {
        Some(id) => store::sso::by_id(&state.db, id).await?,
        None => None,
    };
    let Some(idp) = idp else {
        audit_failure(
            state,
            None,
            "the organisation signs in through an identity provider that is not set up",
            Some(email.trim()),
            ctx,
        )
        .await?;
        return Ok(Route::NotSetUp);
    };
    let start = Start {
        login_hint: Some(email.trim()),
        return_to,
        tested_by: None,
        session_id,
    };
    match begin(state, &idp, start).await {
        Ok(url) => Ok(Route::Redirect(url)),
        Err(AppError::Conflict(message)) => {
            audit_failure(state, Some(&idp), &message, Some(email.trim()), ctx).await?;
            Ok(Route::Unavailable(message))
        }
        Err(e) => Err(e),
    }
}
