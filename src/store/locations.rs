//! A customer's calling locations, as the provisioning job makes the first one and as
//! setup assist counts their seats. (What Control Hub lists is `customers::locations`.)

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
