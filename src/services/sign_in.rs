//! Signing in with the built-in identity, and the limits that stop guessing without
//! locking out the innocent (ASVS V2.2.1). The same answer and similar timing whether
//! or not the account exists, and every attempt in the audit log.
//!
//! The scheme, per 15-minute window:
//! - **an account from one address**: 10 failures lock that pair only; the owner signs
//!   in from anywhere else;
//! - **an address**: 30 failures against any accounts lock the address (an office
//!   behind one address has room for its people's typos);
//! - **an account from everywhere**: once it has 10 failures, its password is checked at
//!   most once a second, whoever asks (a slow-down, not a lock): guesses spread over
//!   many addresses are held to 900 per window, and the owner waits a second at most
//!   between tries.
//!
//! An attempt is reserved (counted and written as a failure) before its password is
//! checked, atomically, so parallel attempts cannot outrun the count; and at most
//! `CONCURRENT_CHECKS` argon2 verifications (~19 MiB each) run at once, so a flood
//! cannot exhaust memory: the rest wait up to `CHECK_WAIT`, then answer 429.

use std::time::Duration as StdDuration;

use time::Duration;
use uuid::Uuid;

use crate::auth::password;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;
use crate::store::login_attempts::{Failures, Reservation};

/// Failures of one account from one address allowed in `WINDOW`.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 10;
/// Failures from one address allowed in `WINDOW`, whatever the accounts.
pub const MAX_FAILURES_PER_IP: i64 = 30;
/// Failures of one account (from anywhere) after which it is slowed down.
pub const SLOW_DOWN_AFTER: i64 = 10;
/// A slowed-down account's password is checked at most once per this.
pub const SLOW_DOWN_INTERVAL: Duration = Duration::seconds(1);
/// Failed API tokens allowed from one address in `WINDOW`; then its failures answer 429.
pub const MAX_TOKEN_FAILURES_PER_IP: i64 = 30;
pub const WINDOW: Duration = Duration::minutes(15);
/// Password verifications running at once, in this process.
pub const CONCURRENT_CHECKS: usize = 4;
/// How long an attempt waits for a verification slot before it is answered 429.
pub const CHECK_WAIT: StdDuration = StdDuration::from_secs(2);

pub enum Outcome {
    SignedIn(Uuid),
    /// Wrong email or password: one message for both, no account oracle.
    Invalid,
    /// The right password of someone who must sign in through an IdP (SPEC §10): a
    /// password is no way around the IdP.
    SsoRequired,
    RateLimited {
        retry_after_secs: u64,
        reason: Limit,
    },
}

/// Which limit refused an attempt (it decides the message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Too many failures: the pair or the address is locked for the window.
    Failures,
    /// The account is slowed down; the next check is possible in a second.
    SlowDown,
    /// Every verification slot is busy.
    Busy,
}

pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub ip: &'a str,
    pub request_id: &'a str,
}

/// Whether the failures so far refuse one more attempt at `now`, and for how long.
fn refusal(f: &Failures, now: time::OffsetDateTime) -> Option<(Limit, u64)> {
    if f.pair >= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS || f.address >= MAX_FAILURES_PER_IP {
        return Some((Limit::Failures, WINDOW.whole_seconds() as u64));
    }
    if f.account >= SLOW_DOWN_AFTER
        && let Some(latest) = f.account_latest
        && now < latest + SLOW_DOWN_INTERVAL
    {
        let wait = (latest + SLOW_DOWN_INTERVAL - now).as_seconds_f64().ceil();
        return Some((Limit::SlowDown, (wait as u64).max(1)));
    }
    None
}

pub async fn attempt(state: &AppState, a: &Attempt<'_>) -> AppResult<Outcome> {
    let now = state.clock.now();
    let email = a.email.trim();
    let reserved = store::login_attempts::reserve(&state.db, email, a.ip, now - WINDOW, now, |f| {
        refusal(f, now).is_none()
    })
    .await?;
    let attempt_id = match reserved {
        Reservation::Reserved(id) => id,
        Reservation::Refused(failures) => {
            let (reason, retry_after_secs) =
                refusal(&failures, now).unwrap_or((Limit::Failures, 1));
            audit(state, a, None, "failure", "login.rate_limited").await?;
            return Ok(Outcome::RateLimited {
                retry_after_secs,
                reason,
            });
        }
    };
    // A verification slot, or 429 without the attempt counting.
    let Ok(Ok(_slot)) =
        tokio::time::timeout(CHECK_WAIT, state.password_checks.clone().acquire_owned()).await
    else {
        store::login_attempts::release(&state.db, attempt_id).await?;
        return Ok(Outcome::RateLimited {
            retry_after_secs: 2,
            reason: Limit::Busy,
        });
    };
    let creds = store::people::credentials_by_email(&state.db, email).await?;
    // Always run one argon2 verification so both branches take the same time.
    let (hash, person) = match &creds {
        Some(c) if !c.disabled && c.password_hash.is_some() => {
            (c.password_hash.clone().unwrap_or_default(), Some(c.id))
        }
        _ => (state.decoy_hash.to_string(), None),
    };
    let ok = password::verify_blocking(a.password.to_string(), hash).await && person.is_some();
    drop(_slot);
    store::login_attempts::settle(&state.db, attempt_id, ok).await?;
    match (ok, person) {
        (true, Some(id)) => {
            let sso = store::sso::route_of(&state.db, email)
                .await?
                .is_some_and(|r| r.auth_mode != "webex");
            if sso {
                audit(state, a, Some(id), "failure", "login.sso_required").await?;
                return Ok(Outcome::SsoRequired);
            }
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

/// The person behind a presented API token. A valid token is always accepted, whatever
/// other clients behind the same address sent: the token is the proof. A token that
/// does not authenticate is recorded against its address; after
/// `MAX_TOKEN_FAILURES_PER_IP` of them in `WINDOW` the address's failures answer 429
/// with `Retry-After` instead of 401 (and are no longer written down).
pub async fn api_token(
    state: &AppState,
    secret: &str,
    ip: &str,
) -> AppResult<(Uuid, Option<store::people::ActorRecord>)> {
    let now = state.clock.now();
    let presented = store::tokens::authenticate(&state.db, secret, ip, now - WINDOW, now).await?;
    if let Some(person) = presented.person_id {
        return Ok((person, presented.actor));
    }
    if presented.failures_from_address >= MAX_TOKEN_FAILURES_PER_IP {
        return Err(AppError::TooManyRequests {
            message: "Too many failed tokens from this address. Try again later.".into(),
            retry_after_secs: WINDOW.whole_seconds() as u64,
        });
    }
    store::login_attempts::record_token_failure(&state.db, ip, now).await?;
    Err(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_pair_and_the_address_lock_and_the_account_only_slows_down() {
        let now = datetime!(2026-12-01 10:00:00 UTC);
        let ok = Failures::default();
        assert_eq!(refusal(&ok, now), None);
        let pair = Failures {
            pair: 10,
            account: 10,
            ..ok
        };
        assert_eq!(refusal(&pair, now), Some((Limit::Failures, 900)));
        let address = Failures { address: 30, ..ok };
        assert_eq!(refusal(&address, now), Some((Limit::Failures, 900)));
        // 50 failures from elsewhere: one check a second, not a lock.
        let spread = Failures {
            account: 50,
            account_latest: Some(now - Duration::milliseconds(300)),
            ..ok
        };
        assert_eq!(refusal(&spread, now), Some((Limit::SlowDown, 1)));
        let later = Failures {
            account_latest: Some(now - Duration::seconds(1)),
            ..spread
        };
        assert_eq!(refusal(&later, now), None);
        // Below the slow-down threshold a fresh failure does not delay anyone.
        let few = Failures {
            account: 9,
            account_latest: Some(now),
            ..ok
        };
        assert_eq!(refusal(&few, now), None);
    }
}
