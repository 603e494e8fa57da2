//! Branding (migration 0023): one row per partner or sub-partner that set any — and
//! per org wholesale was attached to whose own admins override their partner's (SPEC
//! §12, §4.5).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

/// Whose branding a write is: a (sub-)partner's, or an attached customer's own, each
/// found under its scope.
#[derive(Clone, Copy, Debug)]
pub struct BrandOwner(Uuid);

impl From<PartnerOrgId> for BrandOwner {
    fn from(p: PartnerOrgId) -> Self {
        BrandOwner(p.id())
    }
}

impl From<CustomerOrgId> for BrandOwner {
    fn from(c: CustomerOrgId) -> Self {
        BrandOwner(c.id())
    }
}

/// The colours and support address, as stored (checked by `domain::branding`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Colours {
    pub light_primary: String,
    pub light_accent: String,
    pub dark_primary: String,
    pub dark_accent: String,
    pub support_url: Option<String>,
}

/// A partner's branding without its logo's bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Branding {
    pub org_id: Uuid,
    #[sqlx(flatten)]
    pub colours: Colours,
    pub has_logo: bool,
    pub version: i64,
}

const COLUMNS: &str = "b.org_id, b.light_primary, b.light_accent, b.dark_primary, b.dark_accent,
                       b.support_url, b.logo IS NOT NULL AS has_logo, b.version";

pub async fn of_partner(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Option<Branding>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM partner_branding b WHERE b.org_id = $1"
    ))
    .bind(partner.id())
    .fetch_optional(db)
    .await
}

/// The branding a customer's Control Hub shows: an attached org's own, when its admins
/// set one; otherwise that of the partner (or sub-partner) that onboarded it.
pub async fn of_customer(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Option<Branding>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM (
             SELECT b.*, 0 AS rank FROM partner_branding b JOIN orgs o ON o.id = b.org_id AND o.partner_rights IS NOT NULL
             WHERE b.org_id = $1
             UNION ALL
             SELECT b.*, 1 FROM org_relationships r JOIN partner_branding b ON b.org_id = r.manager_org_id
             WHERE r.managed_org_id = $1 AND r.relation = 'onboarded') b
         ORDER BY b.rank, b.org_id LIMIT 1"
    ))
    .bind(customer.id())
    .fetch_optional(db)
    .await
}

/// An attached customer's own branding, if its admins set one.
pub async fn own_of_customer(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Option<Branding>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM partner_branding b WHERE b.org_id = $1"
    ))
    .bind(customer.id())
    .fetch_optional(db)
    .await
}

/// Removes an org's own branding (an attached customer going back to its partner's).
pub async fn remove(db: impl PgExecutor<'_>, owner: impl Into<BrandOwner>) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM partner_branding WHERE org_id = $1")
            .bind(owner.into().0)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Saves the colours and support address (a new version).
pub async fn save_colours(
    db: impl PgExecutor<'_>,
    partner: impl Into<BrandOwner>,
    c: &Colours,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO partner_branding (org_id, light_primary, light_accent, dark_primary, dark_accent, support_url, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id) DO UPDATE SET light_primary = excluded.light_primary,
             light_accent = excluded.light_accent, dark_primary = excluded.dark_primary,
             dark_accent = excluded.dark_accent, support_url = excluded.support_url,
             version = partner_branding.version + 1, updated_at = excluded.updated_at",
    )
    .bind(partner.into().0)
    .bind(&c.light_primary)
    .bind(&c.light_accent)
    .bind(&c.dark_primary)
    .bind(&c.dark_accent)
    .bind(&c.support_url)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets (or, with `None`, removes) the logo of a partner whose colours are saved.
pub async fn set_logo(
    db: impl PgExecutor<'_>,
    partner: impl Into<BrandOwner>,
    logo: Option<(&[u8], &str)>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE partner_branding SET logo = $2, logo_type = $3, version = version + 1, updated_at = $4
         WHERE org_id = $1",
    )
    .bind(partner.into().0)
    .bind(logo.map(|(b, _)| b))
    .bind(logo.map(|(_, t)| t))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// A logo's bytes and content type, by the partner whose it is.
pub async fn logo(db: impl PgExecutor<'_>, org: Uuid) -> sqlx::Result<Option<(Vec<u8>, String)>> {
    sqlx::query_as(
        "SELECT logo, logo_type FROM partner_branding WHERE org_id = $1 AND logo IS NOT NULL",
    )
    .bind(org)
    .fetch_optional(db)
    .await
}
