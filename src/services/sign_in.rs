//! Signing in with the built-in identity: rate limit per account and per address,
//! the same answer and similar timing whether or not the account exists, and every
//! attempt in the audit log.

use time::Duration;
use uuid::Uuid;

use crate::AppState;
use crate::auth::password;
use crate::error::{AppError, AppResult};
use crate::store;

/// Failures allowed in `WINDOW` before sign-in is refused for that account.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
/// Failures allowed in `WINDOW` from one address (offices share an address).
pub const MAX_FAILURES_PER_IP: i64 = 30;
pub const WINDOW: Duration = Duration::minutes(15);

pub enum Outcome {
    SignedIn(Uuid),
    /// Wrong email or password: one message for both, no account oracle.
    Invalid,
    RateLimited {
        retry_after_secs: u64,
    },
}

pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub ip: &'a str,
    pub request_id: &'a str,
}

pub async fn attempt(state: &AppState, a: &Attempt<'_>) -> AppResult<Outcome> {
    let now = state.clock.now();
    let email = a.email.trim();
    let (by_account, by_ip) =
        store::login_attempts::failures_since(&state.db, email, a.ip, now - WINDOW).await?;
    if by_account >= MAX_FAILURES_PER_ACCOUNT || by_ip >= MAX_FAILURES_PER_IP {
        audit(state, a, None, "failure", "login.rate_limited").await?;
        return Ok(Outcome::RateLimited {
            retry_after_secs: WINDOW.whole_seconds() as u64,
        });
    }
    let creds = store::people::credentials_by_email(&state.db, email).await?;
    // Always run one argon2 verification so both branches take the same time.
    let (hash, person) = match &creds {
        Some(c) if !c.disabled && c.password_hash.is_some() => {
            (c.password_hash.clone().unwrap_or_default(), Some(c.id))
        }
        _ => (state.decoy_hash.to_string(), None),
    };
    let ok = password::verify_blocking(a.password.to_string(), hash).await && person.is_some();
    store::login_attempts::record(&state.db, email, a.ip, ok, now).await?;
    match (ok, person) {
        (true, Some(id)) => {
            audit(state, a, Some(id), "success", "login.password").await?;
            Ok(Outcome::SignedIn(id))
        }
        _ => {
            audit(
                state,
                a,
                creds.as_ref().map(|c| c.id),
                "failure",
                "login.password",
            )
            .await?;
            Ok(Outcome::Invalid)
        }
    }
}

async fn audit(
    state: &AppState,
    a: &Attempt<'_>,
    person: Option<Uuid>,
    outcome: &str,
    action: &str,
) -> AppResult<()> {
    let org = match person {
        Some(id) => store::people::by_id(&state.db, id).await?.map(|p| p.org_id),
        None => None,
    };
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: person,
            actor_email: Some(a.email.trim()),
            acting_for_org_id: org,
            target_org_id: org,
            action,
            outcome,
            request_id: Some(a.request_id),
            ip: Some(a.ip),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// What `login_attempts` records as the "account" of a failed API token: no email, so it
/// never counts against a real account, only against its address.
const API_TOKEN_ATTEMPT: &str = "(api token)";

/// The person behind a presented API token. An address with `MAX_FAILURES_PER_IP`
/// failures in `WINDOW` (sign-ins and tokens alike) is refused with 429 before its token
/// is even looked at, so tokens cannot be guessed at speed; a token that does not
/// authenticate is recorded as a failure of its address.
pub async fn api_token(state: &AppState, secret: &str, ip: &str) -> AppResult<Uuid> {
    let now = state.clock.now();
    let presented = store::tokens::authenticate(&state.db, secret, ip, now - WINDOW, now).await?;
    if presented.failures_from_address >= MAX_FAILURES_PER_IP {
        return Err(AppError::TooManyRequests {
            message: "Too many failed attempts from this address. Try again later.".into(),
            retry_after_secs: WINDOW.whole_seconds() as u64,
        });
    }
    match presented.person_id {
        Some(person) => Ok(person),
        None => {
            store::login_attempts::record(&state.db, API_TOKEN_ATTEMPT, ip, false, now).await?;
            Err(AppError::Unauthenticated)
        }
    }
}
