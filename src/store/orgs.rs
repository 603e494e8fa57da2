//! Organisations and the "managed by" relationships between them.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::org_kind::OrgKind;
use crate::domain::restrictions::OrgRestrictions;
use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

pub use crate::domain::org_summary::OrgSummary;

/// `OrgSummary` as `SUMMARY` selects it.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    kind: String,
    name: String,
    parent_org_id: Option<Uuid>,
    restricted_by_partner: bool,
    restrict_org_settings: bool,
    has_flex_subscription: bool,
    packages: Vec<String>,
    provisioning_state: Option<String>,
    partner_rights: Option<String>,
}

impl From<SummaryRow> for OrgSummary {
    fn from(r: SummaryRow) -> Self {
        OrgSummary {
            id: r.id,
            kind: r.kind,
            name: r.name,
            parent_org_id: r.parent_org_id,
            restricted_by_partner: r.restricted_by_partner,
            restrict_org_settings: r.restrict_org_settings,
            has_flex_subscription: r.has_flex_subscription,
            packages: r.packages,
            provisioning_state: r.provisioning_state,
            partner_rights: r.partner_rights,
        }
    }
}

const SUMMARY: &str =
    "SELECT id, kind, name, parent_org_id, restricted_by_partner, restrict_org_settings,
            has_flex_subscription, provisioning_state, partner_rights,
            coalesce((SELECT array_agg(cp.package ORDER BY cp.package) FROM customer_packages cp
                      WHERE cp.org_id = orgs.id AND cp.status <> 'deleting'), '{}') AS packages
     FROM orgs";

pub async fn summary(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<OrgSummary>> {
    let row: Option<SummaryRow> =
        sqlx::query_as(&format!("{SUMMARY} WHERE id = $1 AND deleted_at IS NULL"))
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(OrgSummary::from))
}

/// A customer as opening its Control Hub reads it (`auth::extractors`), in one
/// statement: its summary, whether `partner` (when given) onboarded it, and how many
/// people it has (the kept count, for the users list's paging).
pub struct CustomerOpened {
    pub summary: OrgSummary,
    pub onboarded_by_partner: bool,
    pub people: i64,
    /// The managing partner's branding, when it set any (SPEC §12).
    pub branding: Option<crate::domain::branding::BrandingRef>,
}

pub async fn customer_opened(
    db: impl PgExecutor<'_>,
    id: Uuid,
    partner: Option<Uuid>,
) -> sqlx::Result<Option<CustomerOpened>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        summary: SummaryRow,
        onboarded: bool,
        people: i64,
        brand_version: Option<i64>,
        brand_partner: Option<String>,
        brand_logo: Option<bool>,
        brand_support: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT * FROM ({SUMMARY} WHERE id = $1 AND deleted_at IS NULL) o,
         LATERAL (SELECT EXISTS (SELECT 1 FROM org_relationships r
                                 WHERE r.manager_org_id = $2 AND r.managed_org_id = o.id
                                   AND r.relation = 'onboarded') AS onboarded,
                         (SELECT coalesce(max(c.n), 0) FROM people_counts c WHERE c.org_id = o.id) AS people) m
         -- An attached org's own branding wins over its partner's (SPEC §12).
         LEFT JOIN LATERAL (SELECT b.version AS brand_version, b.logo IS NOT NULL AS brand_logo,
                                   b.support_url AS brand_support, bo.name AS brand_partner
                            FROM (SELECT b.org_id, 0 AS rank FROM partner_branding b
                                  WHERE b.org_id = o.id AND o.partner_rights IS NOT NULL
                                  UNION ALL
                                  SELECT r.manager_org_id, 1 FROM org_relationships r
                                  WHERE r.managed_org_id = o.id AND r.relation = 'onboarded') w
                            JOIN partner_branding b ON b.org_id = w.org_id
                            JOIN orgs bo ON bo.id = b.org_id
                            ORDER BY w.rank, b.org_id LIMIT 1) br ON true"
    ))
    .bind(id)
    .bind(partner)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| CustomerOpened {
        summary: OrgSummary::from(r.summary),
        onboarded_by_partner: r.onboarded,
        people: r.people,
        branding: r
            .brand_version
            .map(|version| crate::domain::branding::BrandingRef {
                partner: r.brand_partner.unwrap_or_default(),
                version,
                has_logo: r.brand_logo.unwrap_or(false),
                support_url: r.brand_support,
            }),
    }))
}

/// True when `manager` onboarded `customer` (or manages a sub-partner, for
/// `parent_of_sub_partner`): the relation that opens a customer's Control Hub.
pub async fn manages(
    db: impl PgExecutor<'_>,
    manager: Uuid,
    managed: Uuid,
    relation: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
                        WHERE r.manager_org_id = $1 AND r.managed_org_id = $2 AND r.relation = $3
                          AND o.deleted_at IS NULL)",
    )
    .bind(manager)
    .bind(managed)
    .bind(relation)
    .fetch_one(db)
    .await
}

pub struct NewOrg<'a> {
    pub kind: OrgKind,
    pub name: &'a str,
    pub parent_org_id: Option<Uuid>,
    pub external_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub country: Option<&'a str>,
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    org: &NewOrg<'_>,
    at: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, parent_org_id, external_id, status, country, provisioning_state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $2 = 'sub_partner' THEN 'active' END, $8, $8)",
    )
    .bind(id)
    .bind(org.kind.as_str())
    .bind(org.name)
    .bind(org.parent_org_id)
    .bind(org.external_id)
    .bind(org.status)
    .bind(org.country)
    .bind(at)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn relate(
    db: impl PgExecutor<'_>,
    manager: Uuid,
    managed: Uuid,
    relation: &str,
) -> sqlx::Result<()> {
    // An onboarding also records the onboarding org on the customer (the list's index).
    sqlx::query(
        "WITH rel AS (INSERT INTO org_relationships (manager_org_id, managed_org_id, relation) VALUES ($1, $2, $3)
                      ON CONFLICT DO NOTHING)
         UPDATE orgs SET onboarded_by = $1
         WHERE id = $2 AND $3 = 'onboarded' AND onboarded_by IS DISTINCT FROM $1",
    )
    .bind(manager)
    .bind(managed)
    .bind(relation)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn rename(db: impl PgExecutor<'_>, id: Uuid, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET name = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(db)
        .await?;
    Ok(())
}

/// The partner's global settings of a customer: its restrictions and whether it also
/// holds a Flex subscription (a hybrid customer).
pub async fn set_restrictions(
    db: impl PgExecutor<'_>,
    id: Uuid,
    r: OrgRestrictions,
    has_flex_subscription: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET restricted_by_partner = $2, restrict_org_settings = $3, has_flex_subscription = $4,
                updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(r.restricted_by_partner)
    .bind(r.restrict_org_settings)
    .bind(has_flex_subscription)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SubPartnerRow {
    pub id: Uuid,
    pub name: String,
    pub provisioning_state: Option<String>,
    pub created_at: OffsetDateTime,
    pub customers: i64,
    /// The onboarding date when none was given (SPEC §11).
    pub billing_start_date: time::Date,
    /// The first admin, for a pending one: who has yet to accept the invitation.
    pub invited: Option<String>,
}

/// The sub-partners a partner manages (SPEC §11).
pub async fn sub_partners(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<SubPartnerRow>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.provisioning_state, o.created_at,
                (SELECT count(*) FROM org_relationships c WHERE c.manager_org_id = o.id AND c.relation = 'onboarded') AS customers,
                coalesce(o.billing_start_date, (o.created_at AT TIME ZONE 'UTC')::date) AS billing_start_date,
                CASE WHEN o.provisioning_state = 'pending' THEN
                  (SELECT p.email::text FROM people p WHERE p.org_id = o.id ORDER BY p.created_at, p.id LIMIT 1)
                END AS invited
         FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
         WHERE r.manager_org_id = $1 AND r.relation = 'parent_of_sub_partner' AND o.deleted_at IS NULL
         ORDER BY o.name",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// Subscription ids a partner bills under; a sub-partner shares its parent's (the one
/// chosen when it was onboarded, or every one for a sub-partner made before that).
pub async fn subscription_ids(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT s.id FROM wholesale_subscriptions s JOIN orgs o ON o.id = $1
         WHERE s.partner_org_id = coalesce(o.parent_org_id, o.id)
           AND (o.shared_subscription_id IS NULL OR s.id = o.shared_subscription_id)
         ORDER BY s.id",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// Is delayed billing enabled for this (sub-)partner, by its own setting or its
/// parent's (SPEC §4.2)? `parent` is the partner's own parent, as its summary holds it.
pub async fn delayed_billing_allowed(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    parent: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT coalesce(bool_or(enable_wholesale_delayed_billing), false) FROM orgs WHERE id IN ($1, $2)",
    )
    .bind(partner.id())
    .bind(parent.unwrap_or(partner.id()))
    .fetch_one(db)
    .await
}

/// Locks a customer's row until the end of the transaction, so two changes of its
/// settings cannot interleave.
pub async fn lock_customer(db: impl PgExecutor<'_>, customer: CustomerOrgId) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE")
        .bind(customer.id())
        .execute(db)
        .await?;
    Ok(())
}

/// Turns restricted-by-partner mode on or off, leaving the org-settings restriction.
pub async fn set_restricted_by_partner(
    db: impl PgExecutor<'_>,
    id: Uuid,
    on: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET restricted_by_partner = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(on)
        .execute(db)
        .await?;
    Ok(())
}
