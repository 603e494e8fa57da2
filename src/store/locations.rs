//! A customer's calling locations: the first one as the provisioning job makes it, the
//! others as Control Hub adds, edits and removes them, and their seats for setup assist.
//! (What Control Hub lists is `customers::locations`.)

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// The first location (headquarters) as the provisioning job stores it.
pub struct NewHeadquarters<'a> {
    pub name: &'a str,
    pub address_line1: &'a str,
    pub address_line2: Option<&'a str>,
    pub city: &'a str,
    pub state_or_province: Option<&'a str>,
    pub zip_or_postal_code: Option<&'a str>,
    pub country: &'a str,
    pub timezone: &'a str,
    pub language: &'a str,
    pub emergency_location_identifier: Option<&'a str>,
    /// International and premium calling, allowed except with Cisco Calling Plan.
    pub outside_calling: bool,
}

/// Stores the headquarters; returns its id. (Worker side: the org id is the job's.)
pub async fn insert_headquarters(
    conn: &mut PgConnection,
    org_id: Uuid,
    l: &NewHeadquarters<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO locations (id, org_id, name, address_line1, address_line2, city, state_or_province,
                                        zip_or_postal_code, country, timezone, language, emergency_location_identifier,
                                        international_calling, premium_calling, is_headquarters, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, true, $14)",
    )
    .bind(id)
    .bind(org_id)
    .bind(l.name)
    .bind(l.address_line1)
    .bind(l.address_line2)
    .bind(l.city)
    .bind(l.state_or_province)
    .bind(l.zip_or_postal_code)
    .bind(l.country)
    .bind(l.timezone)
    .bind(l.language)
    .bind(l.emergency_location_identifier)
    .bind(l.outside_calling)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A location of the customer with its seats (its users and workspaces).
#[derive(Debug, sqlx::FromRow)]
pub struct LocationSeats {
    pub id: Uuid,
    pub name: String,
    pub seats: i64,
}

/// The customer's locations with their seats, headquarters first.
pub async fn with_seats(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<LocationSeats>> {
    sqlx::query_as(
        "SELECT l.id, l.name,
                (SELECT count(*) FROM subscribers s WHERE s.location_id = l.id)
              + (SELECT count(*) FROM workspaces w WHERE w.location_id = l.id) AS seats
         FROM locations l WHERE l.org_id = $1 ORDER BY l.is_headquarters DESC, l.name",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// A location as Control Hub adds or edits it.
pub struct LocationFields<'a> {
    pub name: &'a str,
    pub address_line1: &'a str,
    pub address_line2: Option<&'a str>,
    pub city: &'a str,
    pub state_or_province: Option<&'a str>,
    pub zip_or_postal_code: Option<&'a str>,
    pub country: &'a str,
    pub timezone: &'a str,
    pub language: &'a str,
    /// International and premium calling (SPEC §2).
    pub international_calling: bool,
}

/// The name is already another location's of the customer (`UNIQUE (org_id, name)`).
pub const NAME_KEY: &str = "locations_org_id_name_key";

/// Adds a location to the customer; answers its id.
pub async fn insert(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    l: &LocationFields<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO locations (id, org_id, name, address_line1, address_line2, city, state_or_province,
                                zip_or_postal_code, country, timezone, language, international_calling,
                                premium_calling, is_headquarters, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, false, $13)",
    )
    .bind(id)
    .bind(customer.id())
    .bind(l.name)
    .bind(l.address_line1)
    .bind(l.address_line2)
    .bind(l.city)
    .bind(l.state_or_province)
    .bind(l.zip_or_postal_code)
    .bind(l.country)
    .bind(l.timezone)
    .bind(l.language)
    .bind(l.international_calling)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Changes a location of the customer; answers whether it exists.
pub async fn update(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    id: Uuid,
    l: &LocationFields<'_>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE locations SET name = $3, address_line1 = $4, address_line2 = $5, city = $6,
                state_or_province = $7, zip_or_postal_code = $8, country = $9, timezone = $10, language = $11,
                international_calling = $12, premium_calling = $12
         WHERE org_id = $1 AND id = $2",
    )
    .bind(customer.id())
    .bind(id)
    .bind(l.name)
    .bind(l.address_line1)
    .bind(l.address_line2)
    .bind(l.city)
    .bind(l.state_or_province)
    .bind(l.zip_or_postal_code)
    .bind(l.country)
    .bind(l.timezone)
    .bind(l.language)
    .bind(l.international_calling)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A location of the customer, locked, with what uses it.
#[derive(Debug, sqlx::FromRow)]
pub struct HeldLocation {
    pub id: Uuid,
    pub name: String,
    pub is_headquarters: bool,
    pub international_calling: bool,
    pub users: i64,
    pub workspaces: i64,
}

pub async fn lock(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<HeldLocation>> {
    sqlx::query_as(
        "SELECT l.id, l.name, l.is_headquarters, l.international_calling,
                (SELECT count(*) FROM subscribers s WHERE s.location_id = l.id) AS users,
                (SELECT count(*) FROM workspaces w WHERE w.location_id = l.id) AS workspaces
         FROM locations l WHERE l.org_id = $1 AND l.id = $2 FOR UPDATE OF l",
    )
    .bind(customer.id())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn delete(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM locations WHERE org_id = $1 AND id = $2")
        .bind(customer.id())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One location of the customer as its edit page shows it.
pub async fn one(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<crate::store::customers::LocationRow>> {
    sqlx::query_as(
        "SELECT id, name, address_line1, address_line2, city, state_or_province, zip_or_postal_code,
                country::text AS country, timezone, language, is_headquarters, international_calling
         FROM locations WHERE org_id = $1 AND id = $2",
    )
    .bind(customer.id())
    .bind(id)
    .fetch_optional(db)
    .await
}
