//! Onboarding, suspending and reinstating sub-partners (SPEC §11). A partner's full
//! admin onboards a sub-partner from its own hub (never from inside another's): the
//! sub-partner is *pending* until its first admin, invited by email, chooses a
//! password (`services::invitations::accept`), then *active*. The parent may suspend an
//! active sub-partner, whose hub then only shows and removes (SPEC §9.4:
//! `policy::partner_may`), and reinstate it. Every change is audited.

use time::{Date, Duration};
use uuid::Uuid;

use crate::domain::billing_start::check_billing_start;
use crate::domain::company_name::check_company_name;
use crate::domain::email_address::looks_like_email;
use crate::domain::fields::{Field, FieldErrors};
use crate::domain::roles::Role;
use crate::domain::text::has_control_character;
use crate::error::{AppError, AppResult};
use crate::services::{RequestCtx, audit_partner_change, emails};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// How long the first admin's invitation link works.
pub const INVITATION_VALID_FOR: Duration = Duration::days(7);
/// Longest first or last name, in characters.
const MAX_NAME: usize = 100;

/// The form's fields, as typed.
#[derive(Debug, Default, Clone)]
pub struct Onboarding {
    pub name: String,
    pub admin_email: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub subscription_id: String,
    /// `YYYY-MM-DD`; empty means the onboarding date.
    pub billing_start_date: String,
}

/// The form fields, by the names the page gives them.
pub mod fields {
    pub const NAME: &str = "name";
    pub const ADMIN_EMAIL: &str = "admin_email";
    pub const ADMIN_FIRST_NAME: &str = "admin_first_name";
    pub const ADMIN_LAST_NAME: &str = "admin_last_name";
    pub const SUBSCRIPTION_ID: &str = "subscription_id";
}

fn field(name: &str) -> Field {
    Field::Other(name.to_string())
}

/// Only a partner's own full admin, in its own hub, onboards or suspends: not a
/// sub-partner (no sub-sub-partners), not a parent cross-launched into one (both in
/// `PartnerScope::may`).
fn require_parent(scope: &PartnerScope) -> AppResult<()> {
    scope.require(PartnerAction::ManageSubPartners)
}

fn check_person_name(value: &str, what: &str, name: &str, errors: &mut FieldErrors) {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field(name), format!("Enter the administrator's {what}."));
    } else if v.chars().count() > MAX_NAME {
        errors.add(field(name), format!("Use at most {MAX_NAME} characters."));
    } else if has_control_character(v) {
        errors.add(
            field(name),
            format!("The {what} {}", crate::domain::text::CONTROL_CHARACTER),
        );
    }
}

/// The billing start date as typed: the onboarding date when empty; not in the past.
fn billing_start(raw: &str, today: Date, errors: &mut FieldErrors) -> Date {
    let raw = raw.trim();
    if raw.is_empty() {
        return today;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(raw, format) {
        Ok(d) => {
            // The customers' rule (SPEC §4.2), without their 90-day limit: SPEC §11
            // names none for a sub-partner.
            check_billing_start(errors, d, today, Date::MAX, "today");
            d
        }
        Err(_) => {
            errors.add(
                Field::BillingStartDate,
                "Enter the date as YYYY-MM-DD, for example 2027-01-31.",
            );
            today
        }
    }
}

/// The subscriptions a new sub-partner may share: the parent's own, active ones.
pub async fn shareable_subscriptions(
    state: &AppState,
    scope: &PartnerScope,
) -> AppResult<Vec<String>> {
    Ok(store::orgs::subscription_ids(&state.db, scope.org_id()).await?)
}

/// Onboards a sub-partner: answers its id, or the fields refused (nothing is made).
pub async fn onboard(
    state: &AppState,
    scope: &PartnerScope,
    form: &Onboarding,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    require_parent(scope)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    check_company_name(name, field(fields::NAME), &mut errors);
    if has_control_character(name) {
        errors.add(
            field(fields::NAME),
            format!("The name {}", crate::domain::text::CONTROL_CHARACTER),
        );
    }
    let email = form.admin_email.trim();
    if email.is_empty() {
        errors.add(
            field(fields::ADMIN_EMAIL),
            "Enter the administrator's email address.",
        );
    } else if !looks_like_email(email) || email.chars().count() > 254 {
        errors.add(
            field(fields::ADMIN_EMAIL),
            "Enter an email address such as name@example.com.",
        );
    }
    check_person_name(
        &form.admin_first_name,
        "first name",
        fields::ADMIN_FIRST_NAME,
        &mut errors,
    );
    check_person_name(
        &form.admin_last_name,
        "last name",
        fields::ADMIN_LAST_NAME,
        &mut errors,
    );
    let subscription = form.subscription_id.trim();
    let shareable = shareable_subscriptions(state, scope).await?;
    if subscription.is_empty() {
        errors.add(
            field(fields::SUBSCRIPTION_ID),
            "Choose the subscription the sub-partner shares.",
        );
    } else if !shareable.iter().any(|s| s == subscription) {
        errors.add(
            field(fields::SUBSCRIPTION_ID),
            "Choose one of your own subscriptions.",
        );
    }
    let start = billing_start(&form.billing_start_date, now.date(), &mut errors);
    if errors.is_empty() {
        if store::sub_partners::name_taken(&state.db, scope.org_id(), name).await? {
            errors.add(
                field(fields::NAME),
                "You have a sub-partner of this name already.",
            );
        }
        if store::people::email_in_use(&mut *state.db.acquire().await?, email).await? {
            errors.add(
                field(fields::ADMIN_EMAIL),
                "This email address belongs to someone already: invite a new address.",
            );
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let mut tx = state.db.begin().await?;
    let new = store::sub_partners::NewSubPartner {
        parent: scope.org_id(),
        name,
        subscription_id: subscription,
        billing_start_date: start,
        country: None,
    };
    // Two admins onboarding the same name at once: the unique index decides.
    let Some(id) = store::sub_partners::insert(&mut tx, &new, now).await? else {
        return Err(AppError::field(
            fields::NAME,
            "You have a sub-partner of this name already.",
        ));
    };
    let person = store::people::insert(
        &mut *tx,
        &store::people::NewPerson {
            org_id: id,
            email,
            first_name: form.admin_first_name.trim(),
            last_name: form.admin_last_name.trim(),
            password_hash: None,
        },
    )
    .await
    .map_err(crate::error::on_constraint(
        "people_email_key",
        fields::ADMIN_EMAIL,
        "This email address belongs to someone already: invite a new address.",
    ))?;
    store::people::grant(&mut *tx, person, id, Role::PartnerFullAdmin).await?;
    store::people::grant(&mut *tx, person, id, Role::WholesaleAdmin).await?;

    invite(state, &mut tx, &scope.org.name, id, name, person, email).await?;
    let detail = serde_json::json!({
        "name": name,
        "admin_email": email,
        "subscription_id": subscription,
        "billing_start_date": start.to_string(),
    });
    audit_partner_change(&mut tx, scope, id, "sub_partner.onboard", detail, ctx, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Invites the sub-partner's first admin: a link to choose a password, by email.
async fn invite(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    parent_name: &str,
    sub_partner: Uuid,
    sub_partner_name: &str,
    person: Uuid,
    email: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let until = now + INVITATION_VALID_FOR;
    let secret = store::invitations::create(&mut *conn, person, now, until).await?;
    let link = format!(
        "{}{}?token={secret}",
        state.config.mail.links,
        crate::paths::LOGIN_INVITE
    );
    let expires = until
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let (subject, body) =
        emails::sub_partner_invitation(parent_name, sub_partner_name, &link, &expires);
    emails::send(
        conn,
        &store::emails::NewEmail {
            org_id: Some(sub_partner),
            to: email,
            subject: &subject,
            body: &body,
            kind: "sub_partner_invitation",
            secret: Some(&link),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Invites a pending sub-partner's first admin again (their link expired or was lost):
/// a new link; the older ones work until they expire or one is used.
pub async fn reinvite(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<StateChange> {
    require_parent(scope)?;
    let mut tx = state.db.begin().await?;
    let sub = store::sub_partners::lock_managed(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = sub.provisioning_state.clone().unwrap_or_default();
    if current != "pending" {
        return Ok(StateChange::NotApplicable(format!(
            "Only a pending sub-partner's administrator is invited again; this one is {current}."
        )));
    }
    let Some((person, email)) = store::sub_partners::first_admin(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    invite(
        state,
        &mut tx,
        &scope.org.name,
        id,
        &sub.name,
        person,
        &email,
    )
    .await?;
    let detail = serde_json::json!({ "name": sub.name, "admin_email": email });
    audit_partner_change(
        &mut tx,
        scope,
        id,
        "sub_partner.invite",
        detail,
        ctx,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StateChange::Done(
        "A new invitation is on its way; its link works for seven days.",
    ))
}

/// What a change of state (or a new invitation) did, said for the admin.
#[derive(Debug, PartialEq, Eq)]
pub enum StateChange {
    Done(&'static str),
    /// The sub-partner is not in a state this change applies to: why.
    NotApplicable(String),
}

impl StateChange {
    pub fn message(self) -> String {
        match self {
            StateChange::Done(m) => m.to_string(),
            StateChange::NotApplicable(m) => m,
        }
    }
}

/// Suspends an active sub-partner (`suspend`) or reinstates a suspended one.
pub async fn set_suspended(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    suspend: bool,
    ctx: &RequestCtx<'_>,
) -> AppResult<StateChange> {
    require_parent(scope)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let sub = store::sub_partners::lock_managed(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = sub.provisioning_state.clone().unwrap_or_default();
    let (from, to, action) = if suspend {
        ("active", "suspended", "sub_partner.suspend")
    } else {
        ("suspended", "active", "sub_partner.reinstate")
    };
    if current != from {
        return Ok(StateChange::NotApplicable(if suspend {
            format!("Only an active sub-partner can be suspended; this one is {current}.")
        } else {
            format!("Only a suspended sub-partner can be reinstated; this one is {current}.")
        }));
    }
    store::sub_partners::set_state(&mut tx, id, to, now).await?;
    let detail = serde_json::json!({ "name": sub.name, "from": from, "to": to });
    audit_partner_change(&mut tx, scope, id, action, detail, ctx, now).await?;
    tx.commit().await?;
    Ok(StateChange::Done(if suspend {
        "The sub-partner is suspended: its administrators can only look at and remove their customers."
    } else {
        "The sub-partner is reinstated."
    }))
}

/// May the parent's admin enter sub-partner `id`'s hub (cross-launch, SPEC §11)? An org
/// it does not manage is 404; a suspended sub-partner is refused with the reason (SPEC
/// §9.4: reinstate it first). Both refusals are audited; the entry itself is recorded
/// by the door once the session has changed.
pub async fn may_enter(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<Result<(), String>> {
    let sub = if store::orgs::manages(&state.db, scope.org.id, id, "parent_of_sub_partner").await? {
        store::orgs::summary(&state.db, id).await?
    } else {
        None
    };
    let denied = crate::services::audit::record_cross_launch(
        state,
        &scope.actor,
        scope.org.id,
        id,
        "cross_launch.enter",
        "denied",
        ctx,
    );
    let Some(sub) = sub else {
        denied.await?;
        return Err(AppError::NotFound);
    };
    scope.require(PartnerAction::CrossLaunch)?;
    if sub.provisioning_state.as_deref() == Some("suspended") {
        denied.await?;
        return Ok(Err(format!(
            "{} is suspended, so its hub cannot be entered. Reinstate it first.",
            sub.name
        )));
    }
    Ok(Ok(()))
}
