//! Billing reports (SPEC §8) as a partner keeps them: the report rows, their CSV in
//! chunks, and what the generating job writes. What a report counts is
//! `store::billing_usage`.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::Pool;
use crate::tenancy::scope::PartnerOrgId;

/// The partner's reports that are not deleted.
pub async fn report_count(db: impl PgExecutor<'_>, partner: PartnerOrgId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM billing_reports WHERE partner_org_id = $1 AND deleted_at IS NULL",
    )
    .bind(partner.id())
    .fetch_one(db)
    .await
}

/// One report as the page and the API show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    pub sub_partner_org_id: Option<Uuid>,
    /// The sub-partner's name, for a report on one.
    pub sub_partner_name: Option<String>,
    pub start_date: Date,
    pub end_date: Date,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status: String,
    pub progress: i16,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
    pub row_count: Option<i32>,
    pub errors: serde_json::Value,
    pub daily: Option<serde_json::Value>,
}

impl ReportRow {
    /// The partner whose customers the report counts: the sub-partner reported on, else
    /// the hub's own.
    pub fn subject(&self) -> Uuid {
        self.sub_partner_org_id.unwrap_or(self.partner_org_id)
    }
}

const COLUMNS: &str = "r.id, r.partner_org_id, r.sub_partner_org_id, sp.name AS sub_partner_name,
    r.start_date, r.end_date, r.type, r.status, r.progress, r.created_by,
    nullif(trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), '') AS created_by_name,
    r.created_at, r.completed_at, r.row_count, r.errors, r.daily";

const FROM: &str = "billing_reports r
    LEFT JOIN orgs sp ON sp.id = r.sub_partner_org_id
    LEFT JOIN people p ON p.id = r.created_by";

/// A report to create.
pub struct NewReport {
    pub id: Uuid,
    pub partner: PartnerOrgId,
    pub sub_partner: Option<Uuid>,
    pub start: Date,
    pub end: Date,
    pub kind: &'static str,
    pub created_by: Uuid,
    pub download_key: [u8; 32],
}

/// What stands in the way of a new report: the live one of the same partner, subject,
/// period and type, if any.
#[derive(Debug, sqlx::FromRow)]
pub struct Existing {
    pub id: Uuid,
    pub status: String,
}

/// The live report of the same key, read under `lock_partner` (which lets a second
/// request at the same moment see the first's outcome and answer 409; the unique index
/// stands behind both).
pub async fn existing(conn: &mut PgConnection, r: &NewReport) -> sqlx::Result<Option<Existing>> {
    sqlx::query_as(
        "SELECT id, status FROM billing_reports
         WHERE partner_org_id = $1 AND coalesce(sub_partner_org_id, partner_org_id) = coalesce($2, $1)
           AND start_date = $3 AND end_date = $4 AND type = $5 AND deleted_at IS NULL",
    )
    .bind(r.partner.id())
    .bind(r.sub_partner)
    .bind(r.start)
    .bind(r.end)
    .bind(r.kind)
    .fetch_optional(conn)
    .await
}

/// Serialises creations of one partner's reports, so two at once of the same period
/// meet in `existing` rather than at the unique index.
pub async fn lock_partner(conn: &mut PgConnection, partner: PartnerOrgId) -> sqlx::Result<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('billing_reports:' || $1::text, 0))",
    )
    .bind(partner.id())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert(
    conn: &mut PgConnection,
    r: &NewReport,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO billing_reports (id, partner_org_id, sub_partner_org_id, start_date, end_date, type,
                                      status, progress, created_by, created_at, download_key)
         VALUES ($1, $2, $3, $4, $5, $6, 'IN_PROGRESS', 0, $7, $8, $9)",
    )
    .bind(r.id)
    .bind(r.partner.id())
    .bind(r.sub_partner)
    .bind(r.start)
    .bind(r.end)
    .bind(r.kind)
    .bind(r.created_by)
    .bind(now)
    .bind(&r.download_key[..])
    .execute(conn)
    .await?;
    Ok(())
}

/// One report of the partner's, unless deleted.
pub async fn get(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE r.id = $1 AND r.partner_org_id = $2 AND r.deleted_at IS NULL"
    ))
    .bind(id)
    .bind(partner.id())
    .fetch_optional(db)
    .await
}

/// The list's filters: each one set must match exactly (SPEC §8).
#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub sub_partner: Option<Uuid>,
}

/// What the list is ordered by (the API's `sortBy`), always then by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportOrder {
    Id,
    #[default]
    StartDate,
    EndDate,
    Status,
    /// Newest first: the page's order.
    Newest,
}

pub async fn list(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    f: &ReportFilter,
    order: ReportOrder,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<ReportRow>> {
    let order = match order {
        ReportOrder::Id => "r.id",
        ReportOrder::StartDate => "r.start_date, r.id",
        ReportOrder::EndDate => "r.end_date, r.id",
        ReportOrder::Status => "r.status, r.id",
        ReportOrder::Newest => "r.created_at DESC, r.id",
    };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE r.partner_org_id = $1 AND r.deleted_at IS NULL
           AND ($2::date IS NULL OR r.start_date = $2)
           AND ($3::date IS NULL OR r.end_date = $3)
           AND ($4::text IS NULL OR r.type = $4)
           AND ($5::text IS NULL OR r.status = $5)
           AND ($6::uuid IS NULL OR r.sub_partner_org_id = $6)
         ORDER BY {order} OFFSET $7 LIMIT $8"
    ))
    .bind(partner.id())
    .bind(f.start)
    .bind(f.end)
    .bind(f.kind.as_deref())
    .bind(f.status.as_deref())
    .bind(f.sub_partner)
    .bind(offset)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks a report deleted and drops its CSV; its download links stop working at once.
/// False when there was none to delete.
pub async fn delete(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE billing_reports SET deleted_at = $3 WHERE id = $1 AND partner_org_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(partner.id())
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if done {
        clear_chunks(conn, id).await?;
    }
    Ok(done)
}

// ── What the job reads and writes ───────────────────────────────────────────────────

/// A report as its job generates it.
#[derive(Debug, sqlx::FromRow)]
pub struct Job {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    pub sub_partner_org_id: Option<Uuid>,
    pub start_date: Date,
    pub end_date: Date,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status: String,
}

impl Job {
    /// As `ReportRow::subject`.
    pub fn subject(&self) -> Uuid {
        self.sub_partner_org_id.unwrap_or(self.partner_org_id)
    }
}

/// The report a job generates, unless it was deleted (or replaced) meanwhile.
pub async fn for_job(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Job>> {
    sqlx::query_as(
        "SELECT id, partner_org_id, sub_partner_org_id, start_date, end_date, type, status
         FROM billing_reports WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Drops what an earlier attempt wrote, so a retried job writes the file once.
pub async fn clear_chunks(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM billing_report_chunks WHERE report_id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn write_chunk(
    db: impl PgExecutor<'_>,
    id: Uuid,
    seq: i32,
    data: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO billing_report_chunks (report_id, seq, data) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(data)
        .execute(db)
        .await?;
    Ok(())
}

/// The progress bar's value, 0 to 100; false when the report is gone (stop working).
pub async fn set_progress(db: impl PgExecutor<'_>, id: Uuid, progress: i16) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE billing_reports SET progress = $2 WHERE id = $1 AND deleted_at IS NULL AND status = 'IN_PROGRESS'",
    )
    .bind(id)
    .bind(progress)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

pub async fn complete(
    db: impl PgExecutor<'_>,
    id: Uuid,
    rows: i32,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE billing_reports SET status = 'COMPLETED', progress = 100, row_count = $2, completed_at = $3
         WHERE id = $1 AND deleted_at IS NULL AND status = 'IN_PROGRESS'",
    )
    .bind(id)
    .bind(rows)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Keeps the report's daily series (its chart), once computed.
pub async fn set_daily(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    id: Uuid,
    daily: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE billing_reports SET daily = $3 WHERE id = $1 AND partner_org_id = $2")
        .bind(id)
        .bind(partner.id())
        .bind(daily)
        .execute(db)
        .await?;
    Ok(())
}

/// The report failed for good: its errors, in the vendor's `{code, description}`.
pub async fn fail(
    db: impl PgExecutor<'_>,
    id: Uuid,
    errors: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE billing_reports SET status = 'FAILED', errors = $2 WHERE id = $1 AND deleted_at IS NULL AND status = 'IN_PROGRESS'",
    )
    .bind(id)
    .bind(errors)
    .execute(db)
    .await?;
    Ok(())
}

// ── Downloads ───────────────────────────────────────────────────────────────────────

/// What a download link is checked against; any partner's report (the link itself is
/// the proof, checked by its signature).
#[derive(Debug, sqlx::FromRow)]
pub struct Download {
    pub id: Uuid,
    pub status: String,
    pub download_key: Option<Vec<u8>>,
    pub start_date: Date,
    pub end_date: Date,
    #[sqlx(rename = "type")]
    pub kind: String,
}

pub async fn for_download(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Download>> {
    sqlx::query_as(
        "SELECT id, status, download_key, start_date, end_date, type FROM billing_reports
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The signing key of one of the partner's live reports (for minting a link).
pub async fn download_key(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar(
        "SELECT download_key FROM billing_reports WHERE id = $1 AND partner_org_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(partner.id())
    .fetch_optional(db)
    .await
    .map(Option::flatten)
}

/// One chunk of a report's CSV, by its place in the file.
pub async fn chunk(db: &Pool, id: Uuid, seq: i32) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM billing_report_chunks WHERE report_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(db)
        .await
}
