//! Billing reports (SPEC §8) as a partner sees them.

use sqlx::PgExecutor;

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
