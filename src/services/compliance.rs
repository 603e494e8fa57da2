//! The restricted-party (RPL) compliance check (SPEC §4.3). It runs in the background on
//! every customer creation and billing-address change and never delays provisioning.
//! A potential match puts the customer in `pending_rpl_review` until an operator decides;
//! one still unresolved 30 days later, or whose partner could not be reached after three
//! recorded attempts, is deprovisioned with its users.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::jobs::queue::{self, ClaimedJob, NewJob};
use crate::jobs::worker::JobContext;

pub const CHECK_JOB: &str = "compliance.check";
pub const SWEEP_JOB: &str = "compliance.sweep";
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
    org_id: Uuid,
    trigger: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let check = Uuid::new_v4();
    sqlx::query("INSERT INTO compliance_checks (id, org_id, trigger, status, created_at) VALUES ($1, $2, $3, 'pending', $4)")
        .bind(check)
        .bind(org_id)
        .bind(trigger)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE orgs SET compliance_status = 'pending' WHERE id = $1 AND compliance_status IN ('not_checked', 'compliant', 'approved')")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    let job = NewJob {
        kind: CHECK_JOB,
        org_id: Some(org_id),
        payload: serde_json::json!({ "check_id": check }),
        max_attempts: 8,
    };
    queue::enqueue(conn, &job, now).await?;
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
        sqlx::query("INSERT INTO restricted_parties (name, normalized_name, country, source) VALUES ($1, $2, $3, $4)")
            .bind(&name)
            .bind(normalize(&name))
            .bind(country)
            .bind(source)
            .execute(&mut *conn)
            .await?;
        loaded += 1;
    }
    Ok(loaded)
}

/// The sample list shipped with the product, loaded when the table is empty.
pub const SAMPLE_LIST: &str = include_str!("../../data/rpl-sample.csv");

pub async fn load_sample_if_empty(conn: &mut PgConnection) -> anyhow::Result<u64> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM restricted_parties)")
        .fetch_one(&mut *conn)
        .await?;
    if empty {
        import_csv(conn, SAMPLE_LIST, "sample").await
    } else {
        Ok(0)
    }
}

/// The `compliance.check` job: compares the customer's name with the list.
pub async fn run_check(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let check_id: Uuid = serde_json::from_value(job.payload["check_id"].clone())?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // The check and its customer, both locked, in one query.
    let Some((org_id, status, name, country)): Option<(Uuid, String, String, Option<String>)> =
        sqlx::query_as(
            "SELECT c.org_id, c.status, o.name, o.country::text FROM compliance_checks c
             JOIN orgs o ON o.id = c.org_id WHERE c.id = $1 FOR UPDATE",
        )
        .bind(check_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(());
    };
    if status != "pending" {
        return Ok(()); // decided by an earlier run
    }
    let normalized = normalize(&name);
    let parties: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, normalized_name, country::text FROM restricted_parties")
            .fetch_all(&mut *tx)
            .await?;
    let hit = parties
        .iter()
        .find(|(_, party, party_country)| {
            potential_match(&normalized, party)
                && (party_country.is_none() || party_country == &country)
        })
        .map(|(id, _, _)| *id);
    match hit {
        Some(party) => {
            sqlx::query(
                "UPDATE compliance_checks SET status = 'pending_review', matched_party_id = $2, deadline_at = $3 WHERE id = $1",
            )
            .bind(check_id)
            .bind(party)
            .bind(now + Duration::days(REVIEW_DEADLINE_DAYS))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE orgs SET compliance_status = 'pending_review',
                        status = CASE WHEN status IN ('provisioned', 'provisioned_with_errors') THEN 'pending_rpl_review' ELSE status END,
                        updated_at = $2
                 WHERE id = $1",
            )
            .bind(org_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query(
                "UPDATE compliance_checks SET status = 'compliant', resolved_at = $2 WHERE id = $1",
            )
            .bind(check_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE orgs SET compliance_status = 'compliant' WHERE id = $1 AND compliance_status = 'pending'")
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A match waiting for the operator.
#[derive(Debug, sqlx::FromRow)]
pub struct Review {
    pub check_id: Uuid,
    pub customer_id: Uuid,
    pub customer: String,
    pub country: Option<String>,
    pub partner: Option<String>,
    pub matched: Option<String>,
    pub trigger: String,
    pub created_at: OffsetDateTime,
    pub deadline_at: Option<OffsetDateTime>,
    pub contact_attempts: i32,
}

pub async fn pending_reviews(conn: &mut PgConnection) -> sqlx::Result<Vec<Review>> {
    sqlx::query_as(
        "SELECT c.id AS check_id, o.id AS customer_id, o.name AS customer, o.country::text AS country, p.name AS partner,
                rp.name AS matched, c.trigger, c.created_at, c.deadline_at, c.contact_attempts
         FROM compliance_checks c JOIN orgs o ON o.id = c.org_id
         LEFT JOIN orgs p ON p.id = o.onboarded_by
         LEFT JOIN restricted_parties rp ON rp.id = c.matched_party_id
         WHERE c.status = 'pending_review' AND o.deleted_at IS NULL
         ORDER BY c.deadline_at NULLS LAST, c.created_at",
    )
    .fetch_all(conn)
    .await
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

/// Applies a decision. Returns false when the check is not pending review.
pub async fn decide(
    conn: &mut PgConnection,
    check_id: Uuid,
    decision: Decision,
    operator: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let Some(org_id): Option<Uuid> =
        sqlx::query_scalar("SELECT org_id FROM compliance_checks WHERE id = $1 AND status = 'pending_review' FOR UPDATE")
            .bind(check_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    match decision {
        Decision::Approve => {
            sqlx::query("UPDATE compliance_checks SET status = 'approved', resolved_at = $2, resolved_by = $3 WHERE id = $1")
                .bind(check_id)
                .bind(now)
                .bind(operator)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE orgs SET compliance_status = 'approved',
                        status = CASE WHEN status = 'pending_rpl_review' THEN 'provisioned' ELSE status END, updated_at = $2
                 WHERE id = $1",
            )
            .bind(org_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Decision::Reject => {
            sqlx::query("UPDATE compliance_checks SET status = 'rejected', resolved_at = $2, resolved_by = $3 WHERE id = $1")
                .bind(check_id)
                .bind(now)
                .bind(operator)
                .execute(&mut *conn)
                .await?;
            deprovision(conn, org_id, now).await?;
        }
        Decision::FailedContact => {
            sqlx::query(
                "INSERT INTO compliance_contacts (check_id, recorded_by, at) VALUES ($1, $2, $3)",
            )
            .bind(check_id)
            .bind(operator)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let attempts: i32 = sqlx::query_scalar(
                "UPDATE compliance_checks SET contact_attempts = contact_attempts + 1 WHERE id = $1 RETURNING contact_attempts",
            )
            .bind(check_id)
            .fetch_one(&mut *conn)
            .await?;
            if attempts >= MAX_CONTACT_ATTEMPTS {
                sqlx::query("UPDATE compliance_checks SET status = 'non_compliant', resolved_at = $2 WHERE id = $1")
                    .bind(check_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                deprovision(conn, org_id, now).await?;
            }
        }
    }
    Ok(true)
}

/// Removes a non-compliant customer's wholesale services and users (the org record stays).
async fn deprovision(
    conn: &mut PgConnection,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET compliance_status = 'non_compliant' WHERE id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    crate::services::customer_lifecycle::start_removal(conn, org_id, now).await
}

/// The `compliance.sweep` job: customers still unresolved 30 days after a match are
/// deprovisioned.
pub async fn run_sweep(ctx: JobContext, _job: ClaimedJob) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let overdue: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, org_id FROM compliance_checks WHERE status = 'pending_review' AND deadline_at <= $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for (check, org) in overdue {
        sqlx::query(
            "UPDATE compliance_checks SET status = 'non_compliant', resolved_at = $2 WHERE id = $1",
        )
        .bind(check)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        deprovision(&mut tx, org, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Enqueues a sweep unless one is pending (the server calls this periodically).
pub async fn ensure_sweep_scheduled(ctx: &JobContext) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(4243)")
        .execute(&mut *tx)
        .await?;
    let pending: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND state IN ('queued', 'running'))",
    )
    .bind(SWEEP_JOB)
    .fetch_one(&mut *tx)
    .await?;
    if !pending {
        queue::enqueue(&mut tx, &NewJob::new(SWEEP_JOB, serde_json::json!({})), now).await?;
    }
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
