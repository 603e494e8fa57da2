//! Wholesale users (`subscribers`): a person of a customer holding one package, and the
//! licence whose interval billing counts (SPEC §5, §8). What Control Hub lists is
//! `customers::users`.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// A user the provisioning job adds to its customer.
pub struct NewSubscriber<'a> {
    pub person_id: Uuid,
    pub package: &'a str,
    /// The calling location, for a calling package.
    pub location_id: Option<Uuid>,
    pub extension: Option<&'a str>,
}

/// Adds a provisioned user with its package, and opens the licence billing counts from
/// `now` (SPEC §5: provisioning a package starts billing for it). The kept count of the
/// customer's users follows by trigger (migration 0012). (Worker side: the org id is
/// the job's.)
pub async fn insert_provisioned(
    conn: &mut PgConnection,
    org_id: Uuid,
    s: &NewSubscriber<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO subscribers (id, person_id, customer_org_id, package, status, location_id, extension, created_at,
                                  last_status_change)
         VALUES ($1, $2, $3, $4, 'provisioned', $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(s.person_id)
    .bind(org_id)
    .bind(s.package)
    .bind(s.location_id)
    .bind(s.extension)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, subscriber_id, location_id, package, license_id, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(org_id)
    .bind(id)
    .bind(s.location_id)
    .bind(s.package)
    .bind(format!("lic-{}", Uuid::new_v4().simple()))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The package a person holds as a wholesale user, if they are one.
pub async fn package_of(conn: &mut PgConnection, person_id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT package FROM subscribers WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await
}
