//! A customer's workspaces (SPEC §5): shared phones of a location holding
//! `common_area_calling`, each with its licence interval in the append-only history
//! billing reads (`Workspace_ID`, SPEC §8). What Control Hub lists is
//! `customers::workspaces`.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// The only package a workspace holds.
pub const PACKAGE: &str = "common_area_calling";

pub struct WorkspaceFields<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub location_id: Uuid,
    pub phone_number: Option<&'a str>,
    pub extension: Option<&'a str>,
}

/// Adds a workspace and opens its licence from `now`.
pub async fn insert(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    w: &WorkspaceFields<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO workspaces (id, org_id, location_id, name, kind, phone_number, extension, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(customer.id())
    .bind(w.location_id)
    .bind(w.name)
    .bind(w.kind)
    .bind(w.phone_number)
    .bind(w.extension)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    open_licence(conn, id, now).await?;
    Ok(id)
}

async fn open_licence(
    conn: &mut PgConnection,
    workspace: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, workspace_id, location_id, package, license_id, started_at)
         SELECT $1, w.org_id, w.id, w.location_id, w.package, $2, $3 FROM workspaces w WHERE w.id = $4",
    )
    .bind(Uuid::new_v4())
    .bind(format!("lic-{}", Uuid::new_v4().simple()))
    .bind(now)
    .bind(workspace)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn close_licence(
    conn: &mut PgConnection,
    workspace: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE license_assignments SET ended_at = greatest($2, started_at)
         WHERE workspace_id = $1 AND ended_at IS NULL",
    )
    .bind(workspace)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A workspace of the customer, locked for a change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldWorkspace {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub location_id: Uuid,
    pub phone_number: Option<String>,
    pub extension: Option<String>,
}

pub async fn lock(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<HeldWorkspace>> {
    sqlx::query_as(
        "SELECT id, name, kind, location_id, phone_number, extension FROM workspaces
         WHERE org_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(customer.id())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// The workspace as its edit page shows it.
pub async fn one(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<HeldWorkspace>> {
    sqlx::query_as(
        "SELECT id, name, kind, location_id, phone_number, extension FROM workspaces WHERE org_id = $1 AND id = $2",
    )
    .bind(customer.id())
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Changes a workspace; a new location ends its licence and opens the next at once.
pub async fn update(
    conn: &mut PgConnection,
    held: &HeldWorkspace,
    w: &WorkspaceFields<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE workspaces SET name = $2, kind = $3, location_id = $4, phone_number = $5, extension = $6 WHERE id = $1",
    )
    .bind(held.id)
    .bind(w.name)
    .bind(w.kind)
    .bind(w.location_id)
    .bind(w.phone_number)
    .bind(w.extension)
    .execute(&mut *conn)
    .await?;
    if held.location_id != w.location_id {
        close_licence(conn, held.id, now).await?;
        open_licence(conn, held.id, now).await?;
    }
    Ok(())
}

/// Removes a workspace: its licence ends now.
pub async fn delete(
    conn: &mut PgConnection,
    held: &HeldWorkspace,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    close_licence(conn, held.id, now).await?;
    sqlx::query("DELETE FROM workspaces WHERE id = $1")
        .bind(held.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
