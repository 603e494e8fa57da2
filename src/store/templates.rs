//! Onboarding templates as their owner sees them.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

#[derive(Debug, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub provisioning_id: String,
    pub country: String,
    pub language: String,
    pub subscription_id: String,
    pub auth_mode: String,
    pub email_brand_name: String,
    pub pstn_vendor: Option<String>,
    pub created_at: OffsetDateTime,
    pub customers: i64,
}

const SELECT: &str = "SELECT t.id, t.name, t.provisioning_id, t.country::text AS country, t.language, t.subscription_id,
        t.auth_mode, t.email_brand_name, t.pstn_vendor, t.created_at,
        (SELECT count(*) FROM orgs o WHERE o.template_id = t.id AND o.deleted_at IS NULL) AS customers
    FROM onboarding_templates t";

pub async fn list(db: impl PgExecutor<'_>, owner: PartnerOrgId) -> sqlx::Result<Vec<TemplateRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE t.owner_org_id = $1 ORDER BY lower(t.name)"
    ))
    .bind(owner.id())
    .fetch_all(db)
    .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    owner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<TemplateRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE t.owner_org_id = $1 AND t.id = $2"))
        .bind(owner.id())
        .bind(id)
        .fetch_optional(db)
        .await
}
