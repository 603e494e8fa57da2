//! Accepting an invitation: the invited person (a new customer's first administrator,
//! `customer::first_admin`, or a new sub-partner's, `sub_partners::onboard`) opens the
//! emailed link, chooses a password, and is signed
//! in. A link works once and until it expires; a link that is not ours, already used
//! or expired is refused, and so is one whose person is disabled or whose org is gone.
//! Every use, accepted or refused, is in the audit log.

use uuid::Uuid;

use crate::auth::password;
use crate::domain::new_password::{self, Refusal};
use crate::domain::text::has_control_character;
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::services::sign_in::CHECK_WAIT;
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;

/// Longest first or last name, in characters.
pub const MAX_NAME: usize = 100;

/// Why a link does not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not a link we sent (or its person or org is gone).
    Invalid,
    /// Used already: the password was chosen.
    Used,
    /// Past its expiry.
    Expired,
}

impl LinkProblem {
    pub fn message(self) -> &'static str {
        match self {
            LinkProblem::Invalid => {
                "This invitation link is not valid. Check that you opened the whole link from the email."
            }
            LinkProblem::Used => {
                "This invitation link has been used already: your password is set. Sign in with your email address and password."
            }
            LinkProblem::Expired => {
                "This invitation link has expired. Ask your service provider to invite you again."
            }
        }
    }
}

/// Who a working link invites.
#[derive(Debug)]
pub struct Invited {
    pub email: String,
    pub org_name: String,
    /// The hub the person signs in to: "Partner Hub" for a sub-partner's admin,
    /// "Control Hub" for a customer's.
    pub hub: &'static str,
}

fn problem(found: Option<&Invitation>, now: time::OffsetDateTime) -> Option<LinkProblem> {
    match found {
        None => Some(LinkProblem::Invalid),
        Some(i) if i.disabled => Some(LinkProblem::Invalid),
        Some(i) if i.used_at.is_some() => Some(LinkProblem::Used),
        Some(i) if i.expires_at <= now => Some(LinkProblem::Expired),
        Some(_) => None,
    }
}

/// Opens the link carrying `secret`: who it invites, or why it does not open.
pub async fn open(state: &AppState, secret: &str) -> AppResult<Result<Invited, LinkProblem>> {
    let found = store::invitations::find(&state.db, secret).await?;
    if let Some(p) = problem(found.as_ref(), state.clock.now()) {
        return Ok(Err(p));
    }
    Ok(found
        .map(|i| Invited {
            email: i.email,
            org_name: i.org_name,
            hub: if i.org_kind == "customer" {
                "Control Hub"
            } else {
                "Partner Hub"
            },
        })
        .ok_or(LinkProblem::Invalid))
}

/// What the invited person sends.
pub struct Acceptance<'a> {
    pub secret: &'a str,
    pub password: &'a str,
    pub confirmation: &'a str,
    /// Empty keeps the name the person has.
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// Why an acceptance is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Link(LinkProblem),
    Password(String),
    Confirmation(String),
    FirstName(String),
    LastName(String),
}

fn check_name(name: &str) -> Option<String> {
    if has_control_character(name) {
        Some(format!(
            "The name {}",
            crate::domain::text::CONTROL_CHARACTER
        ))
    } else if name.chars().count() > MAX_NAME {
        Some(format!("Use at most {MAX_NAME} characters."))
    } else {
        None
    }
}

/// Accepts an invitation: sets the password (and the names given), spends the link and
/// every older one of the person. Returns the person to sign in.
pub async fn accept(
    state: &AppState,
    a: &Acceptance<'_>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Result<Uuid, Refused>> {
    let now = state.clock.now();
    let found = store::invitations::find(&state.db, a.secret).await?;
    if let Some(p) = problem(found.as_ref(), now) {
        audit(state, found.as_ref(), "failure", Some(p), ctx).await?;
        return Ok(Err(Refused::Link(p)));
    }
    let Some(invitation) = found else {
        return Ok(Err(Refused::Link(LinkProblem::Invalid)));
    };
    let (first, last) = (a.first_name.trim(), a.last_name.trim());
    if let Some(m) = check_name(first) {
        return Ok(Err(Refused::FirstName(m)));
    }
    if let Some(m) = check_name(last) {
        return Ok(Err(Refused::LastName(m)));
    }
    match new_password::check(a.password, a.confirmation, &invitation.email) {
        Ok(()) => {}
        Err(Refusal::Password(m)) => return Ok(Err(Refused::Password(m))),
        Err(Refusal::Confirmation(m)) => return Ok(Err(Refused::Confirmation(m))),
    }

    // argon2 takes a verification slot, as sign-in does, so a flood cannot exhaust memory.
    let Ok(Ok(slot)) =
        tokio::time::timeout(CHECK_WAIT, state.password_checks.clone().acquire_owned()).await
    else {
        return Err(AppError::TooManyRequests {
            message: "Many people are signing in right now. Try again in a few seconds.".into(),
            retry_after_secs: 2,
        });
    };
    let chosen = a.password.to_string();
    let hash = tokio::task::spawn_blocking(move || password::hash(&chosen))
        .await
        .map_err(anyhow::Error::from)??;
    drop(slot);

    // The link may have been used meanwhile (two tabs): the lock decides.
    let mut tx = state.db.begin().await?;
    let locked = store::invitations::lock(&mut tx, a.secret).await?;
    if let Some(p) = problem(locked.as_ref(), now) {
        drop(tx);
        audit(state, locked.as_ref(), "failure", Some(p), ctx).await?;
        return Ok(Err(Refused::Link(p)));
    }
    let person = invitation.person_id;
    store::people::set_password_and_names(
        &mut *tx,
        person,
        &hash,
        Some(first).filter(|n| !n.is_empty()),
        Some(last).filter(|n| !n.is_empty()),
        now,
    )
    .await?;
    store::invitations::spend_all(&mut tx, person, now).await?;
    // A sub-partner is pending until its first admin is in (SPEC §11).
    store::sub_partners::activate_if_pending(&mut tx, invitation.org_id, now).await?;
    store::audit::append(
        &mut *tx,
        &entry(Some(&invitation), "success", None, ctx),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(person))
}

fn entry<'a>(
    invitation: Option<&'a Invitation>,
    outcome: &'a str,
    problem: Option<LinkProblem>,
    ctx: &'a RequestCtx<'_>,
) -> store::audit::Entry<'a> {
    store::audit::Entry {
        actor_person_id: invitation.map(|i| i.person_id),
        actor_email: invitation.map(|i| i.email.as_str()),
        acting_for_org_id: invitation.map(|i| i.org_id),
        target_org_id: invitation.map(|i| i.org_id),
        action: "invitation.accept",
        outcome,
        detail: match problem {
            Some(p) => serde_json::json!({ "refused": format!("{p:?}").to_lowercase() }),
            None => serde_json::json!({ "password_set": true }),
        },
        request_id: Some(ctx.request_id),
        ip: Some(ctx.ip),
    }
}

async fn audit(
    state: &AppState,
    invitation: Option<&Invitation>,
    outcome: &str,
    problem: Option<LinkProblem>,
    ctx: &RequestCtx<'_>,
) -> sqlx::Result<()> {
    store::audit::append(
        &state.db,
        &entry(invitation, outcome, problem, ctx),
        state.clock.now(),
    )
    .await
}
