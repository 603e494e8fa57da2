//! Wholesale Setup Assist requests (SPEC §4.6), one per customer location.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    pub customer_org_id: Uuid,
    pub location_id: Uuid,
    pub total_locations: i32,
    pub location: String,
    pub sku: String,
    pub seats: i32,
    pub planned_onboarding_date: Date,
    pub subscription_id: String,
    pub created_at: OffsetDateTime,
}

/// The customer's requests, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<RequestRow>> {
    sqlx::query_as(
        "SELECT r.id, r.partner_org_id, r.customer_org_id, r.location_id, r.total_locations, l.name AS location, r.sku, r.seats, r.planned_onboarding_date, r.subscription_id, r.created_at
         FROM setup_assist_requests r JOIN locations l ON l.id = r.location_id
         WHERE r.customer_org_id = $1 ORDER BY r.created_at DESC",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// A request as it is filed.
pub struct NewRequest<'a> {
    pub id: Uuid,
    pub location_id: Uuid,
    pub subscription_id: &'a str,
    pub total_locations: i32,
    pub seats: i32,
    pub sku: &'a str,
    pub planned_onboarding_date: Date,
    pub created_by: Uuid,
}

/// Files a request of `partner` for one location of `customer`.
pub async fn insert(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    customer: CustomerOrgId,
    r: &NewRequest<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO setup_assist_requests (id, partner_org_id, customer_org_id, location_id, subscription_id,
                                            total_locations, seats, sku, planned_onboarding_date, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.id)
    .bind(partner.id())
    .bind(customer.id())
    .bind(r.location_id)
    .bind(r.subscription_id)
    .bind(r.total_locations)
    .bind(r.seats)
    .bind(r.sku)
    .bind(r.planned_onboarding_date)
    .bind(r.created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
