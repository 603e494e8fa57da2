//! Restricted-party (RPL) compliance checks (SPEC §4.3): the checks, the operator's
//! decisions and contact attempts, and the list of restricted parties. Checks are the
//! operator's and the worker's business, across every partner: a check is found by its
//! own id, and the customer it is about by the check's row.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// Records a pending check of a customer and marks the customer `pending` unless a
/// review of it is open.
pub async fn open_check(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    check: Uuid,
    trigger: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO compliance_checks (id, org_id, trigger, status, created_at) VALUES ($1, $2, $3, 'pending', $4)")
        .bind(check)
        .bind(customer.id())
        .bind(trigger)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE orgs SET compliance_status = 'pending' WHERE id = $1 AND compliance_status IN ('not_checked', 'compliant', 'approved')")
        .bind(customer.id())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds a party to the list.
pub async fn insert_party(
    conn: &mut PgConnection,
    name: &str,
    normalized_name: &str,
    country: Option<&str>,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO restricted_parties (name, normalized_name, country, source) VALUES ($1, $2, $3, $4)")
        .bind(name)
        .bind(normalized_name)
        .bind(country)
        .bind(source)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Is the list empty?
pub async fn no_parties(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM restricted_parties)")
        .fetch_one(&mut *conn)
        .await
}

/// A check with its customer's name and country.
#[derive(sqlx::FromRow)]
pub struct CheckSubject {
    pub org_id: Uuid,
    pub status: String,
    pub name: String,
    pub country: Option<String>,
}

/// The check and its customer, both locked, in one query.
pub async fn lock_check(
    conn: &mut PgConnection,
    check: Uuid,
) -> sqlx::Result<Option<CheckSubject>> {
    sqlx::query_as(
        "SELECT c.org_id, c.status, o.name, o.country::text FROM compliance_checks c
             JOIN orgs o ON o.id = c.org_id WHERE c.id = $1 FOR UPDATE",
    )
    .bind(check)
    .fetch_optional(&mut *conn)
    .await
}

/// Every listed party: (id, normalized name, country).
pub async fn parties(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String, Option<String>)>> {
    sqlx::query_as("SELECT id, normalized_name, country::text FROM restricted_parties")
        .fetch_all(&mut *conn)
        .await
}

/// A potential match: the check waits for the operator until `deadline`, and a
/// provisioned customer is `pending_rpl_review` meanwhile.
pub async fn mark_match(
    conn: &mut PgConnection,
    check: Uuid,
    org_id: Uuid,
    party: i64,
    deadline: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE compliance_checks SET status = 'pending_review', matched_party_id = $2, deadline_at = $3 WHERE id = $1",
    )
    .bind(check)
    .bind(party)
    .bind(deadline)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE orgs SET compliance_status = 'pending_review',
                        status = CASE WHEN status IN ('provisioned', 'provisioned_with_errors') THEN 'pending_rpl_review' ELSE status END,
                        updated_at = $2
                 WHERE id = $1",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// No match: the check and (unless another check is open) the customer are compliant.
pub async fn mark_compliant(
    conn: &mut PgConnection,
    check: Uuid,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE compliance_checks SET status = 'compliant', resolved_at = $2 WHERE id = $1",
    )
    .bind(check)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE orgs SET compliance_status = 'compliant' WHERE id = $1 AND compliance_status = 'pending'")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
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

/// Matches waiting for the operator, the nearest deadline first.
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

/// Locks a check waiting for review; its customer's id, or `None` when the check is not
/// pending review.
pub async fn lock_pending_review(
    conn: &mut PgConnection,
    check: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT org_id FROM compliance_checks WHERE id = $1 AND status = 'pending_review' FOR UPDATE")
        .bind(check)
        .fetch_optional(&mut *conn)
        .await
}

/// The operator found the customer is not the listed party.
pub async fn approve(
    conn: &mut PgConnection,
    check: Uuid,
    org_id: Uuid,
    operator: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE compliance_checks SET status = 'approved', resolved_at = $2, resolved_by = $3 WHERE id = $1")
        .bind(check)
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
    Ok(())
}

/// The operator found the customer is the listed party.
pub async fn reject(
    conn: &mut PgConnection,
    check: Uuid,
    operator: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE compliance_checks SET status = 'rejected', resolved_at = $2, resolved_by = $3 WHERE id = $1")
        .bind(check)
        .bind(now)
        .bind(operator)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records a failed attempt to reach the partner; answers the attempts so far.
pub async fn record_failed_contact(
    conn: &mut PgConnection,
    check: Uuid,
    operator: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<i32> {
    sqlx::query("INSERT INTO compliance_contacts (check_id, recorded_by, at) VALUES ($1, $2, $3)")
        .bind(check)
        .bind(operator)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "UPDATE compliance_checks SET contact_attempts = contact_attempts + 1 WHERE id = $1 RETURNING contact_attempts",
    )
    .bind(check)
    .fetch_one(&mut *conn)
    .await
}

/// Closes a check as non-compliant (no answer from the partner, or past the deadline).
pub async fn mark_non_compliant(
    conn: &mut PgConnection,
    check: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE compliance_checks SET status = 'non_compliant', resolved_at = $2 WHERE id = $1",
    )
    .bind(check)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the customer non-compliant, before its removal starts.
pub async fn mark_customer_non_compliant(
    conn: &mut PgConnection,
    org_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET compliance_status = 'non_compliant' WHERE id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Checks past their deadline, locked, skipping those another sweep holds: (check, org).
pub async fn lock_overdue(
    conn: &mut PgConnection,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as(
        "SELECT id, org_id FROM compliance_checks WHERE status = 'pending_review' AND deadline_at <= $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await
}

/// The customer a check is about.
pub async fn org_of_check(conn: &mut PgConnection, check: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT org_id FROM compliance_checks WHERE id = $1")
        .bind(check)
        .fetch_optional(&mut *conn)
        .await
}
