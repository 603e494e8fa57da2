//! The restricted-party (RPL) compliance check (SPEC §4.3). It runs in the background on
//! every customer creation and billing-address change and never delays provisioning.
//! A potential match puts the customer in `pending_rpl_review` until an operator decides;
//! one still unresolved 30 days later, or whose partner could not be reached after three
//! recorded attempts, is deprovisioned with its users.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::jobs::payloads::{CheckCompliance, DeleteCustomer, JobPayload, SweepCompliance};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker::JobContext;
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::Actor;
use crate::tenancy::scope::CustomerOrgId;

pub use crate::store::compliance::Review;

pub const CHECK_JOB: &str = CheckCompliance::KIND;
pub const SWEEP_JOB: &str = SweepCompliance::KIND;
/// The advisory lock that lets one instance at a time schedule the sweep.
const SWEEP_SCHEDULE_LOCK: i64 = 4243;
/// Days a match may stay unresolved before the customer is deprovisioned.
pub const REVIEW_DEADLINE_DAYS: i64 = 30;
/// Failed partner contacts after which the customer is deprovisioned.
pub const MAX_CONTACT_ATTEMPTS: i32 = 3;

/// Words that say what kind of company it is, not which one.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sarl",
    "sas",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "spa",
    "srl",
    "pty",
    "pte",
    "kk",
    "the",
];

/// Lower case, accents and punctuation removed, legal forms dropped, words sorted away
/// from their original spacing: "Société Générale, S.A." → "generale societe".
pub fn normalize(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        // Dots and apostrophes join ("S.A." is "sa", "O'Neil" is "oneil"); other
        // punctuation separates words.
        .filter(|c| !matches!(c, '.' | '\'' | '’'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = folded
        .split_whitespace()
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

/// A potential match: every word of the listed party's name appears in the customer's.
pub fn potential_match(customer_normalized: &str, party_normalized: &str) -> bool {
    if party_normalized.is_empty() {
        return false;
    }
    let customer: Vec<&str> = customer_normalized.split(' ').collect();
    party_normalized.split(' ').all(|w| customer.contains(&w))
}

/// Records a check and enqueues it, inside the caller's transaction.
pub async fn enqueue_check(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    trigger: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let check = Uuid::new_v4();
    store::compliance::open_check(conn, customer, check, trigger, now).await?;
    let job = CheckCompliance {
        check_id: check,
        org: Some(customer.id()),
    };
    queue::enqueue_payload(conn, &job, now).await?;
    Ok(())
}

/// Loads a restricted-party list from CSV (`name` and optional `country` columns).
/// Returns how many parties were loaded.
pub async fn import_csv(
    conn: &mut PgConnection,
    csv_text: &str,
    source: &str,
) -> anyhow::Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader.headers()?.clone();
    let name_at = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("name"))
        .ok_or_else(|| anyhow::anyhow!("the CSV needs a `name` column"))?;
    let country_at = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("country"));
    let mut loaded = 0;
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| anyhow::anyhow!("line {}: {e}", line + 2))?;
        let name = record.get(name_at).unwrap_or("").to_string();
        if name.is_empty() {
            continue;
        }
        let country = country_at
            .and_then(|i| record.get(i))
            .filter(|c| c.len() == 2)
            .map(str::to_uppercase);
        store::compliance::insert_party(conn, &name, &normalize(&name), country.as_deref(), source)
            .await?;
        loaded += 1;
    }
    Ok(loaded)
}

/// The sample list shipped with the product, loaded when the table is empty.
pub const SAMPLE_LIST: &str = include_str!("../../data/rpl-sample.csv");

pub async fn load_sample_if_empty(conn: &mut PgConnection) -> anyhow::Result<u64> {
    if store::compliance::no_parties(conn).await? {
        import_csv(conn, SAMPLE_LIST, "sample").await
    } else {
        Ok(0)
    }
}

/// The `compliance.check` job: compares the customer's name with the list.
pub async fn run_check(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let check_id = CheckCompliance::of(&job)?.check_id;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(subject) = store::compliance::lock_check(&mut tx, check_id).await? else {
        return Ok(());
    };
    if subject.status != "pending" {
        return Ok(()); // decided by an earlier run
    }
    let normalized = normalize(&subject.name);
    let parties = store::compliance::parties(&mut tx).await?;
    let hit = parties
        .iter()
        .find(|(_, party, party_country)| {
            potential_match(&normalized, party)
                && (party_country.is_none() || party_country == &subject.country)
        })
        .map(|(id, _, _)| *id);
    match hit {
        Some(party) => {
            let deadline = now + Duration::days(REVIEW_DEADLINE_DAYS);
            store::compliance::mark_match(&mut tx, check_id, subject.org_id, party, deadline, now)
                .await?;
        }
        None => {
            store::compliance::mark_compliant(&mut tx, check_id, subject.org_id, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Matches waiting for the operator, the nearest deadline first.
pub async fn pending_reviews(state: &AppState) -> AppResult<Vec<Review>> {
    let mut conn = state.db.acquire().await?;
    Ok(store::compliance::pending_reviews(&mut conn).await?)
}

/// The operator's decision on a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not the listed party: the customer carries on.
    Approve,
    /// The listed party: non-compliant, deprovisioned.
    Reject,
    /// The partner could not be reached; the third time deprovisions.
    FailedContact,
}

impl Decision {
    /// The form's value: `approve`, `reject` or `failed_contact`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Decision::Approve),
            "reject" => Some(Decision::Reject),
            "failed_contact" => Some(Decision::FailedContact),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::FailedContact => "failed_contact",
        }
    }
}

/// Applies a decision. Returns false when the check is not pending review.
pub async fn decide(
    conn: &mut PgConnection,
    check_id: Uuid,
    decision: Decision,
    operator: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let Some(org_id) = store::compliance::lock_pending_review(conn, check_id).await? else {
        return Ok(false);
    };
    match decision {
        Decision::Approve => {
            store::compliance::approve(conn, check_id, org_id, operator, now).await?;
        }
        Decision::Reject => {
            store::compliance::reject(conn, check_id, operator, now).await?;
            deprovision(conn, org_id, now).await?;
        }
        Decision::FailedContact => {
            let attempts =
                store::compliance::record_failed_contact(conn, check_id, operator, now).await?;
            if attempts >= MAX_CONTACT_ATTEMPTS {
                store::compliance::mark_non_compliant(conn, check_id, now).await?;
                deprovision(conn, org_id, now).await?;
            }
        }
    }
    Ok(true)
}

/// A compliance operator's decision from the review page: applied and audited in one
/// transaction. A check that is not pending review is 404. The caller has checked that
/// the actor is an operator.
pub async fn decide_as_operator(
    state: &AppState,
    operator: &Actor,
    check_id: Uuid,
    decision: Decision,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !decide(&mut tx, check_id, decision, operator.person_id, now).await? {
        return Err(AppError::NotFound);
    }
    let org = store::compliance::org_of_check(&mut tx, check_id).await?;
    store::audit::append(
        &mut *tx,
        &store::audit::Entry {
            actor_person_id: Some(operator.person_id),
            actor_email: Some(&operator.email),
            acting_for_org_id: Some(operator.home_org_id),
            target_org_id: org,
            action: "compliance.decision",
            outcome: "success",
            detail: serde_json::json!({ "check": check_id, "decision": decision.as_str() }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a non-compliant customer's wholesale services and users (the org record
/// stays): the same removal the delete door starts, through the store and the same
/// `customer.delete` job.
async fn deprovision(
    conn: &mut PgConnection,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::compliance::mark_customer_non_compliant(conn, org_id).await?;
    store::customer_records::mark_deleting(conn, org_id, now).await?;
    queue::enqueue_payload(conn, &DeleteCustomer { org_id }, now).await?;
    Ok(())
}

/// The `compliance.sweep` job: customers still unresolved 30 days after a match are
/// deprovisioned.
pub async fn run_sweep(ctx: JobContext, _job: ClaimedJob) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let overdue = store::compliance::lock_overdue(&mut tx, now).await?;
    for (check, org) in overdue {
        store::compliance::mark_non_compliant(&mut tx, check, now).await?;
        deprovision(&mut tx, org, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Enqueues a sweep unless one is pending (the server calls this periodically).
pub async fn ensure_sweep_scheduled(ctx: &JobContext) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    queue::enqueue_unless_pending(&mut tx, &SweepCompliance {}, SWEEP_SCHEDULE_LOCK, now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_case_punctuation_accents_and_legal_forms() {
        assert_eq!(normalize("Société Générale, S.A."), "generale societe");
        assert_eq!(normalize("ACME-Widgets Ltd."), normalize("acme widgets"));
        assert_eq!(normalize("  Zürich   Trading GmbH "), "trading zurich");
    }

    #[test]
    fn every_word_of_the_listed_name_must_appear() {
        let party = normalize("Blackstar Trading");
        assert!(potential_match(&normalize("BLACKSTAR TRADING CO."), &party));
        assert!(potential_match(
            &normalize("Trading Blackstar Holdings"),
            &party
        ));
        assert!(!potential_match(&normalize("Blackstar Bakery"), &party));
        assert!(!potential_match(&normalize("Acme"), ""));
    }
}
