//! Sub-partners as the REST API lists them (SPEC §9.4): the managing partner's view,
//! filtered and paged.

use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

#[derive(Debug, sqlx::FromRow)]
pub struct ApiSubPartnerRow {
    pub id: Uuid,
    /// The parent's wholesale subscription the sub-partner shares (its first, if several).
    pub subscription_id: Option<String>,
    pub provisioning_state: Option<String>,
    pub created_at: OffsetDateTime,
    /// Billing start date; the onboarding date when none was given (SPEC §11).
    pub billing_start_date: Date,
}

/// The sub-partners `partner` manages, oldest first (a stable order for paging), at most
/// `limit` from `offset`. A sub-partner has none, so it gets an empty list.
pub async fn page(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    provisioning_state: Option<&str>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<ApiSubPartnerRow>> {
    sqlx::query_as(
        "SELECT o.id,
                (SELECT s.id FROM wholesale_subscriptions s WHERE s.partner_org_id = r.manager_org_id
                 ORDER BY s.created_at, s.id LIMIT 1) AS subscription_id,
                o.provisioning_state, o.created_at,
                coalesce(o.billing_start_date, (o.created_at AT TIME ZONE 'UTC')::date) AS billing_start_date
         FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
         WHERE r.manager_org_id = $1 AND r.relation = 'parent_of_sub_partner' AND o.deleted_at IS NULL
           AND ($2::text IS NULL OR o.provisioning_state = $2)
         ORDER BY o.created_at, o.id
         OFFSET $3 LIMIT $4",
    )
    .bind(partner.id())
    .bind(provisioning_state)
    .bind(offset)
    .bind(limit)
    .fetch_all(db)
    .await
}
