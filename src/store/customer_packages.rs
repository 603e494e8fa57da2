//! The packages a customer holds (`customer_packages`) and who holds them, as changes
//! and jobs write them. What a page shows of them is `customers::packages`.

use std::collections::BTreeMap;

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// Adds a package to a new customer, `provisioning` until its job finishes.
pub async fn insert(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    package: &str,
    quantity: Option<i32>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO customer_packages (org_id, package, quantity, status) VALUES ($1, $2, $3, 'provisioning')")
        .bind(customer.id())
        .bind(package)
        .bind(quantity)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct CurrentPackage {
    pub package: String,
    pub quantity: Option<i32>,
}

/// The packages a customer holds now, with their quantities.
pub async fn current(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<CurrentPackage>> {
    sqlx::query_as("SELECT package, quantity FROM customer_packages WHERE org_id = $1")
        .bind(customer.id())
        .fetch_all(&mut *conn)
        .await
}

/// Users and workspaces holding each package.
pub async fn assigned_counts(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
) -> sqlx::Result<BTreeMap<String, (i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT package, count(*) FILTER (WHERE holder = 'user'), count(*) FILTER (WHERE holder = 'workspace')
         FROM (SELECT package, 'user' AS holder FROM subscribers WHERE customer_org_id = $1
               UNION ALL
               SELECT package, 'workspace' FROM workspaces WHERE org_id = $1) t
         GROUP BY package",
    )
    .bind(customer.id())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(p, u, w)| (p, (u, w))).collect())
}

/// The customer's full administrators who hold a wholesale package, as (email, package):
/// a full admin's package is never downgraded (SPEC §4.2), so a change must keep it.
pub async fn full_admin_packages(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT p.email::text, s.package
         FROM role_assignments r JOIN people p ON p.id = r.person_id
         JOIN subscribers s ON s.person_id = p.id AND s.customer_org_id = r.org_id
         WHERE r.org_id = $1 AND r.role = 'customer_full_admin'
         ORDER BY p.email",
    )
    .bind(customer.id())
    .fetch_all(&mut *conn)
    .await
}

/// A package of the customer locked for one more assignment: its quantity (`None` for
/// unlimited) and how many users and workspaces hold it now (0, uncounted, when it is
/// unlimited); `None` when the customer
/// does not hold the package. The lock makes assignments of one package take turns, so
/// two cannot both take its last seat. (Worker side: the id is the job's.)
pub async fn lock_for_assignment(
    conn: &mut PgConnection,
    org_id: Uuid,
    package: &str,
) -> sqlx::Result<Option<(Option<i32>, i64)>> {
    sqlx::query_as(
        "SELECT cp.quantity,
                -- Counted only where there is a limit to check (an unlimited package of a
                -- large org would cost a count per user added).
                CASE WHEN cp.quantity IS NULL THEN 0::bigint ELSE
                  (SELECT count(*) FROM subscribers s WHERE s.customer_org_id = cp.org_id AND s.package = cp.package)
                + (SELECT count(*) FROM workspaces w WHERE w.org_id = cp.org_id AND w.package = cp.package) END
         FROM customer_packages cp WHERE cp.org_id = $1 AND cp.package = $2 FOR UPDATE OF cp",
    )
    .bind(org_id)
    .bind(package)
    .fetch_optional(&mut *conn)
    .await
}

/// Adds a package or sets its quantity, for a change; a new one is `provisioning`.
pub async fn upsert(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    package: &str,
    quantity: Option<i32>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO customer_packages (org_id, package, quantity, status, created_at)
             VALUES ($1, $2, $3, 'provisioning', $4)
             ON CONFLICT (org_id, package) DO UPDATE SET quantity = EXCLUDED.quantity",
    )
    .bind(customer.id())
    .bind(package)
    .bind(quantity)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks packages a change removes `deleting`, for the update job to take away.
pub async fn mark_removed(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    removed: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE customer_packages SET status = 'deleting' WHERE org_id = $1 AND package = ANY($2)",
    )
    .bind(customer.id())
    .bind(removed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The provisioning job's outcome per package: those in `failing` are `error` with
/// `errors`, the rest `provisioned`. (Worker side: the id is the job's.)
pub async fn set_outcome(
    conn: &mut PgConnection,
    org_id: Uuid,
    failing: &[&str],
    errors: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE customer_packages SET status = CASE WHEN package = ANY($2) THEN 'error' ELSE 'provisioned' END,
                errors = CASE WHEN package = ANY($2) THEN $3 ELSE '[]'::jsonb END
         WHERE org_id = $1",
    )
    .bind(org_id)
    .bind(failing)
    .bind(errors)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The update job's work on packages: removed ones go, new ones are provisioned.
/// (Worker side: the id is the job's.)
pub async fn settle_update(conn: &mut PgConnection, org_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM customer_packages WHERE org_id = $1 AND status = 'deleting'")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE customer_packages SET status = 'provisioned', errors = '[]' WHERE org_id = $1 AND status = 'provisioning'",
    )
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes every package of a customer being deleted. (Worker side.)
pub async fn delete_all(conn: &mut PgConnection, org_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM customer_packages WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A package of the customer held for an add that counts no seat: its quantity, the
/// row share-locked so that the quantity cannot change before the add commits (`None`
/// when the customer does not hold the package). Adds of an unlimited package take
/// this side by side; a limited one's are counted under `lock_for_assignment`.
pub async fn hold_for_assignment(
    conn: &mut PgConnection,
    org_id: Uuid,
    package: &str,
) -> sqlx::Result<Option<Option<i32>>> {
    sqlx::query_scalar(
        "SELECT quantity FROM customer_packages WHERE org_id = $1 AND package = $2 FOR SHARE",
    )
    .bind(org_id)
    .bind(package)
    .fetch_optional(&mut *conn)
    .await
}
