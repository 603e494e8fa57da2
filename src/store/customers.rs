//! Customers as a (sub-)partner sees them, and the contents of one customer org.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

/// Live customer counts by status for the overview (SPEC §4.4), from the counters the
/// `orgs` trigger keeps (migration 0007).
pub async fn counts_by_status(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT status, sum(n)::bigint FROM customer_counts WHERE partner_org_id = $1
         GROUP BY status HAVING sum(n) > 0 ORDER BY status",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// Users (subscribers) by package across the partner's customers, plus workspaces
/// (which hold `common_area_calling`). Driven by the users and workspaces, each joined
/// to its customer: the cost follows the number of users, not of customers (a semi-join
/// over 100,000 customer ids took 206 ms with no user at all).
pub async fn users_by_package(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT package, sum(n)::bigint FROM (
             SELECT s.package, count(*) AS n FROM subscribers s JOIN orgs o ON o.id = s.customer_org_id
             WHERE o.onboarded_by = $1 AND o.deleted_at IS NULL GROUP BY s.package
             UNION ALL
             SELECT w.package, count(*) FROM workspaces w JOIN orgs o ON o.id = w.org_id
             WHERE o.onboarded_by = $1 AND o.deleted_at IS NULL GROUP BY w.package
         ) t GROUP BY package ORDER BY package",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct CustomerDetail {
    pub id: Uuid,
    pub name: String,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub sip_domain: Option<String>,
    pub compliance_status: String,
    pub restricted_by_partner: bool,
    pub restrict_org_settings: bool,
    pub has_flex_subscription: bool,
    pub subscription_id: Option<String>,
    pub template_name: Option<String>,
    pub locations: i64,
    pub created_at: OffsetDateTime,
    pub pstn_vendor: Option<String>,
    pub errors: serde_json::Value,
    pub primary_email: Option<String>,
    pub call_in_number: Option<String>,
    pub meeting_site_language: Option<String>,
    pub package_quantity_enabled: bool,
    /// How its people sign in, fixed when it was created (SPEC §10): `webex`, `saml`
    /// or `oidc`, with the IdP its template named and whether that IdP is set up.
    pub auth_mode: String,
    pub idp_ref: Option<String>,
    pub idp_bound: bool,
    /// Wholesale was attached to an org that existed before (SPEC §4.5), with the rights
    /// this partner's admins hold there.
    pub attached: bool,
    pub partner_rights: Option<String>,
    /// Only `detail` makes one, so a detail is proof of its customer (`customer_org`).
    #[sqlx(skip)]
    found: FoundUnderPartner,
}

/// A mark only this module can make: the customer was found under a partner's proof.
#[derive(Clone, Copy, Debug, Default)]
struct FoundUnderPartner;

impl CustomerDetail {
    /// The customer, found under the partner's proof: the proof for reading its contents.
    pub fn customer_org(&self) -> CustomerOrgId {
        let FoundUnderPartner = self.found;
        CustomerOrgId::vouched(self.id)
    }

    /// The `description` of each recorded error.
    pub fn error_messages(&self) -> Vec<String> {
        self.errors
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["description"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rights this partner's admins hold in an attached org, in words.
    pub fn attached_rights(&self) -> &'static str {
        match self.partner_rights.as_deref() {
            Some("provisioning_admin") => {
                "Provisioning administrator: you see and manage only the users you give wholesale packages"
            }
            _ => "Full administrator",
        }
    }

    /// How the customer's people sign in, in words.
    pub fn sign_in(&self) -> String {
        let idp = self.idp_ref.as_deref().unwrap_or("");
        let state = if self.idp_bound {
            ""
        } else {
            " (not set up in Settings → Single sign-on yet: its users cannot sign in)"
        };
        match self.auth_mode.as_str() {
            "saml" => format!("SAML single sign-on through {idp}{state}"),
            "oidc" => format!("OpenID Connect single sign-on through {idp}{state}"),
            _ => "Built-in passwords".to_string(),
        }
    }

    /// Still being worked on by a job: the page polls for progress.
    pub fn in_progress(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("provisioning" | "updating" | "deleting")
        )
    }
}

/// A customer the (sub-)partner onboarded; `None` for anything else, so callers
/// answer 404 and existence does not leak.
pub async fn detail(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    customer_id: Uuid,
) -> sqlx::Result<Option<CustomerDetail>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.external_id, o.status, o.address_line1, o.address_line2, o.city, o.state_or_province,
                o.zip_or_postal_code, o.country::text AS country, o.language, o.sip_domain, o.compliance_status,
                o.restricted_by_partner, o.restrict_org_settings, o.has_flex_subscription,
                t.subscription_id, t.name AS template_name,
                (SELECT count(*) FROM locations l WHERE l.org_id = o.id) AS locations, o.created_at,
                o.pstn_vendor, o.errors, o.primary_email::text AS primary_email, o.call_in_number,
                o.meeting_site_language, o.package_quantity_enabled,
                o.auth_mode, o.idp_ref, o.idp_id IS NOT NULL AS idp_bound, o.attached, o.partner_rights
         FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
         LEFT JOIN onboarding_templates t ON t.id = o.template_id
         WHERE r.manager_org_id = $1 AND r.managed_org_id = $2 AND r.relation = 'onboarded' AND o.deleted_at IS NULL",
    )
    .bind(partner.id())
    .bind(customer_id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct PackageRow {
    pub package: String,
    pub quantity: Option<i32>,
    pub status: String,
    pub assigned: i64,
}

impl PackageRow {
    /// Seats left; `None` when the package is unlimited.
    pub fn free(&self) -> Option<i64> {
        self.quantity.map(|q| (i64::from(q) - self.assigned).max(0))
    }

    /// Not being removed.
    pub fn live(&self) -> bool {
        self.status != "deleting"
    }
}

pub async fn packages(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<PackageRow>> {
    sqlx::query_as(
        "SELECT cp.package, cp.quantity, cp.status,
                (SELECT count(*) FROM subscribers s WHERE s.customer_org_id = cp.org_id AND s.package = cp.package)
              + (SELECT count(*) FROM workspaces w WHERE w.org_id = cp.org_id AND w.package = cp.package) AS assigned
         FROM customer_packages cp WHERE cp.org_id = $1 ORDER BY cp.package",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct LocationRow {
    pub id: Uuid,
    pub name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub city: String,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    pub country: String,
    pub timezone: String,
    pub language: String,
    pub is_headquarters: bool,
    pub international_calling: bool,
}

pub async fn locations(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<LocationRow>> {
    sqlx::query_as(
        "SELECT id, name, address_line1, address_line2, city, state_or_province, zip_or_postal_code,
                country::text AS country, timezone, language, is_headquarters, international_calling
         FROM locations WHERE org_id = $1 ORDER BY is_headquarters DESC, name",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub location: String,
    pub phone_number: Option<String>,
    pub extension: Option<String>,
}

pub async fn workspaces(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<WorkspaceRow>> {
    sqlx::query_as(
        "SELECT w.id, w.name, w.kind, l.name AS location, w.phone_number, w.extension
         FROM workspaces w JOIN locations l ON l.id = w.location_id WHERE w.org_id = $1 ORDER BY w.name",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// A customer as the API shows it (SPEC §9.1).
#[derive(Debug, sqlx::FromRow)]
pub struct ApiCustomerRow {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    pub country: Option<String>,
    pub errors: serde_json::Value,
    pub provisioned_at: Option<OffsetDateTime>,
}

/// The API list's filters; every one that is set must match.
#[derive(Debug, Default)]
pub struct ApiCustomerFilter<'a> {
    pub external_id: Option<&'a str>,
    pub org_id: Option<Uuid>,
    /// Any of these statuses; empty for all.
    pub statuses: &'a [String],
    pub offset: i64,
    pub limit: i64,
}

const API_CUSTOMER_COLUMNS: &str = "o.id, o.external_id, o.status, o.address_line1, o.address_line2, o.city,
    o.state_or_province, o.zip_or_postal_code, o.country::text AS country, o.errors, o.provisioned_at";

/// One page of the live customers a (sub-)partner onboarded, by name (the
/// `orgs_onboarded_by_name_idx` order, so a page stays an index scan at 100,000).
pub async fn api_page(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    f: &ApiCustomerFilter<'_>,
) -> sqlx::Result<Vec<ApiCustomerRow>> {
    sqlx::query_as(&format!(
        "SELECT {API_CUSTOMER_COLUMNS} FROM orgs o
         WHERE o.onboarded_by = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL
           AND ($2::text IS NULL OR o.external_id = $2)
           AND ($3::uuid IS NULL OR o.id = $3)
           AND (cardinality($4::text[]) = 0 OR o.status = ANY($4))
         ORDER BY lower(o.name), o.id OFFSET $5 LIMIT $6"
    ))
    .bind(partner.id())
    .bind(f.external_id)
    .bind(f.org_id)
    .bind(f.statuses)
    .bind(f.offset)
    .bind(f.limit)
    .fetch_all(db)
    .await
}

/// A live customer the (sub-)partner onboarded; `None` for anything else (404).
pub async fn api_one(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    customer_id: Uuid,
) -> sqlx::Result<Option<ApiCustomerRow>> {
    sqlx::query_as(&format!(
        "SELECT {API_CUSTOMER_COLUMNS} FROM orgs o
         WHERE o.id = $2 AND o.onboarded_by = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL"
    ))
    .bind(partner.id())
    .bind(customer_id)
    .fetch_optional(db)
    .await
}

/// A customer's package as the API shows it; `license_ids` only when asked for.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiPackageRow {
    pub org_id: Uuid,
    pub package: String,
    pub status: String,
    pub warnings: serde_json::Value,
    pub errors: serde_json::Value,
    pub license_ids: Option<Vec<String>>,
}

/// The packages of customers read through `api_page` / `api_one` (which checked the
/// scope), in one query; with `license_ids`, the licence ids of open assignments.
pub async fn api_packages(
    db: impl PgExecutor<'_>,
    customers: &[Uuid],
    license_ids: bool,
) -> sqlx::Result<Vec<ApiPackageRow>> {
    sqlx::query_as(
        "SELECT cp.org_id, cp.package, cp.status, cp.warnings, cp.errors,
                CASE WHEN $2 THEN coalesce(
                    (SELECT array_agg(la.license_id ORDER BY la.started_at, la.license_id) FROM license_assignments la
                     WHERE la.customer_org_id = cp.org_id AND la.package = cp.package
                       AND la.ended_at IS NULL AND la.license_id IS NOT NULL),
                    '{}') END AS license_ids
         FROM customer_packages cp WHERE cp.org_id = ANY($1)
         ORDER BY cp.org_id, cp.created_at, cp.package",
    )
    .bind(customers)
    .bind(license_ids)
    .fetch_all(db)
    .await
}

/// The name of the (sub-)partner that onboarded the customer.
pub async fn onboarded_by_name(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT p.name FROM orgs c JOIN orgs p ON p.id = c.onboarded_by WHERE c.id = $1",
    )
    .bind(customer.id())
    .fetch_optional(db)
    .await
}
