//! Control Hub's users CSV imports (migration 0018): the previewed rows, their states as
//! the job applies them, and what the customer's records say about the file's users.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// A person of the customer as an import compares the file with them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Existing {
    pub person_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: Option<String>,
    pub subscriber_id: Option<Uuid>,
    pub package: Option<String>,
    pub location: Option<String>,
    pub extension: Option<String>,
    pub primary_phone_number: Option<String>,
    pub basic_services: Vec<String>,
    pub preferred_site: Option<String>,
    pub jabber_calling: bool,
    pub jabber_teams: bool,
}

/// Every person of the customer, with their package (the export reads this too).
pub async fn existing(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<Existing>> {
    sqlx::query_as(
        "SELECT p.id AS person_id, p.email::text AS email, p.first_name, p.last_name, p.display_name,
                s.id AS subscriber_id, s.package, l.name AS location, s.extension, s.primary_phone_number,
                coalesce(s.basic_services, '{}') AS basic_services, s.preferred_site,
                coalesce(s.jabber_calling, true) AS jabber_calling, coalesce(s.jabber_teams, true) AS jabber_teams
         FROM people p
         LEFT JOIN subscribers s ON s.person_id = p.id
         LEFT JOIN locations l ON l.id = s.location_id
         WHERE p.org_id = $1
         ORDER BY p.sort_last, p.sort_first, p.email",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// Which of `phones` are held by anyone outside the customer (users or workspaces).
pub async fn phones_elsewhere(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    phones: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT primary_phone_number FROM subscribers WHERE primary_phone_number = ANY($2) AND customer_org_id <> $1
         UNION SELECT phone_number FROM workspaces WHERE phone_number = ANY($2)",
    )
    .bind(customer.id())
    .bind(phones)
    .fetch_all(db)
    .await
}

/// The customer's workspaces' extensions (users' are in `existing`).
pub async fn workspace_extensions(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT extension FROM workspaces WHERE org_id = $1 AND extension IS NOT NULL",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// An import as previewed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Import {
    pub id: Uuid,
    pub org_id: Uuid,
    pub created_by: Uuid,
    pub acting_for_org_id: Uuid,
    pub file_name: String,
    pub add_remove_services: bool,
    pub status: String,
    pub rows_total: i32,
    pub adds: i32,
    pub modifies: i32,
    pub deletes: i32,
    pub errors: i32,
    pub warnings: i32,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

pub async fn insert(conn: &mut PgConnection, i: &Import) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_imports (id, org_id, created_by, acting_for_org_id, file_name, add_remove_services, status,
                                   rows_total, adds, modifies, deletes, errors, warnings, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'previewed', $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(i.id)
    .bind(i.org_id)
    .bind(i.created_by)
    .bind(i.acting_for_org_id)
    .bind(&i.file_name)
    .bind(i.add_remove_services)
    .bind(i.rows_total)
    .bind(i.adds)
    .bind(i.modifies)
    .bind(i.deletes)
    .bind(i.errors)
    .bind(i.warnings)
    .bind(i.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rows of a preview, written in one statement per batch.
#[derive(Default)]
pub struct RowBatch {
    pub lines: Vec<i32>,
    pub emails: Vec<String>,
    pub actions: Vec<String>,
    pub data: Vec<serde_json::Value>,
    pub errors: Vec<serde_json::Value>,
    pub warnings: Vec<serde_json::Value>,
}

impl RowBatch {
    pub fn len(&self) -> usize {
        self.lines.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

pub async fn insert_rows(conn: &mut PgConnection, import: Uuid, b: &RowBatch) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_import_rows (import_id, line, email, action, data, errors, warnings, state)
         SELECT $1, line, email, action, data, errors, warnings,
                CASE WHEN action = 'none' THEN 'skipped' ELSE 'pending' END
         FROM UNNEST($2::int[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::jsonb[])
              AS t(line, email, action, data, errors, warnings)",
    )
    .bind(import)
    .bind(&b.lines)
    .bind(&b.emails)
    .bind(&b.actions)
    .bind(&b.data)
    .bind(&b.errors)
    .bind(&b.warnings)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The import of the customer.
pub async fn one(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<Import>> {
    sqlx::query_as("SELECT * FROM user_imports WHERE org_id = $1 AND id = $2")
        .bind(customer.id())
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The import, for the job that applies it (the job's id vouches for it).
pub async fn for_job(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Import>> {
    sqlx::query_as("SELECT * FROM user_imports WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One row of a preview or a report.
#[derive(Debug, sqlx::FromRow)]
pub struct RowView {
    pub line: i32,
    pub email: String,
    pub action: String,
    pub state: String,
    pub result: Option<String>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// The rows of an import, by line: all of them (the report), those the preview found
/// something to say about, or those that failed, at most `limit`.
#[derive(Clone, Copy)]
pub enum Rows {
    All,
    Problems,
    Failed,
}

pub async fn rows(
    db: impl PgExecutor<'_>,
    import: Uuid,
    which: Rows,
    limit: i64,
) -> sqlx::Result<Vec<RowView>> {
    let only = match which {
        Rows::All => "",
        Rows::Problems => " AND (errors <> '[]' OR warnings <> '[]')",
        Rows::Failed => " AND state = 'failed'",
    };
    sqlx::query_as(&format!(
        "SELECT line, email, action, state, result,
                ARRAY(SELECT jsonb_array_elements_text(errors)) AS errors,
                ARRAY(SELECT jsonb_array_elements_text(warnings)) AS warnings
         FROM user_import_rows WHERE import_id = $1{only} ORDER BY line LIMIT $2"
    ))
    .bind(import)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Rows applied or failed so far, and rows to apply in all.
pub async fn progress(db: impl PgExecutor<'_>, import: Uuid) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed'),
                count(*) FILTER (WHERE state <> 'skipped')
         FROM user_import_rows WHERE import_id = $1",
    )
    .bind(import)
    .fetch_one(db)
    .await
}

/// Moves a previewed import to applying; answers whether it was previewed.
pub async fn start(conn: &mut PgConnection, import: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE user_imports SET status = 'applying' WHERE id = $1 AND status = 'previewed'",
    )
    .bind(import)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn finish(
    db: impl PgExecutor<'_>,
    import: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_imports SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'applying'")
        .bind(import)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// A row still to apply.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    pub line: i32,
    pub action: String,
    pub data: serde_json::Value,
}

/// Records how a row went; in the row's own transaction when it was applied, so a row is
/// done exactly when its change is.
pub async fn mark(
    db: impl PgExecutor<'_>,
    import: Uuid,
    line: i32,
    state: &str,
    result: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_import_rows SET state = $3, result = $4 WHERE import_id = $1 AND line = $2 AND state = 'pending'")
        .bind(import)
        .bind(line)
        .bind(state)
        .bind(result)
        .execute(db)
        .await?;
    Ok(())
}

/// `mark` for many rows of one import: (line, result) pairs, all taking `state`.
pub async fn mark_many(
    db: impl PgExecutor<'_>,
    import: Uuid,
    rows: &[(i32, String)],
    state: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE user_import_rows r SET state = $2, result = u.result
         FROM UNNEST($3::int[], $4::text[]) AS u (line, result)
         WHERE r.import_id = $1 AND r.line = u.line AND r.state = 'pending'",
    )
    .bind(import)
    .bind(state)
    .bind(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.as_str()).collect::<Vec<_>>())
    .execute(db)
    .await?;
    Ok(())
}

/// The CSV's extras of a user beside the package.
pub async fn set_extras(
    conn: &mut PgConnection,
    email: &str,
    basic: &[String],
    preferred_site: Option<&str>,
    jabber_calling: bool,
    jabber_teams: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscribers SET basic_services = $2, preferred_site = $3, jabber_calling = $4, jabber_teams = $5
         WHERE person_id = (SELECT id FROM people WHERE email = $1::citext)",
    )
    .bind(email)
    .bind(basic)
    .bind(preferred_site)
    .bind(jabber_calling)
    .bind(jabber_teams)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Names of a person of the customer (a modify row; the email is the row's key).
pub async fn set_names(
    conn: &mut PgConnection,
    org: Uuid,
    person: Uuid,
    first: &str,
    last: &str,
    display: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET first_name = $3, last_name = $4, display_name = $5 WHERE org_id = $1 AND id = $2")
        .bind(org)
        .bind(person)
        .bind(first)
        .bind(last)
        .bind(display)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the next pending rows, in the file's order, for the caller's transaction (rows
/// another worker holds are skipped): with `mark` in the same transaction, each row is
/// applied exactly once.
pub async fn claim_batch(
    conn: &mut PgConnection,
    import: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<Pending>> {
    sqlx::query_as(
        "SELECT line, action, data FROM user_import_rows WHERE import_id = $1 AND state = 'pending'
         ORDER BY line LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(import)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

/// The preview's counts: adds, modifies, deletes, errors, warnings.
pub async fn set_counts(conn: &mut PgConnection, import: Uuid, c: [i32; 5]) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_imports SET adds = $2, modifies = $3, deletes = $4, errors = $5, warnings = $6 WHERE id = $1")
        .bind(import)
        .bind(c[0])
        .bind(c[1])
        .bind(c[2])
        .bind(c[3])
        .bind(c[4])
        .execute(&mut *conn)
        .await?;
    Ok(())
}
