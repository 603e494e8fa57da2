//! A customer's own row in `orgs` through its life: created by a partner, locked for a
//! change, changed, marked for removal, and finished by the jobs. Reads and writes from a
//! partner's request take its `PartnerOrgId` and hand back the `CustomerOrgId` of the
//! customer found under it; the job steps run in the worker with only the org id of the
//! job's payload, so they take that id as it is.

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::domain::address::AddressInput;
use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

/// Unique index of a live customer's primary email (migration 0008).
pub const EMAIL_KEY: &str = "orgs_primary_email_live_key";
/// Unique index of a live customer's external id per partner (migration 0008).
pub const EXTERNAL_ID_KEY: &str = "orgs_external_id_live_key";

/// A new customer as it is stored, in status `provisioning`.
pub struct NewCustomerRecord<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub external_id: Option<&'a str>,
    pub address_line1: &'a str,
    pub address_line2: Option<&'a str>,
    pub city: &'a str,
    pub state_or_province: Option<&'a str>,
    pub zip_or_postal_code: Option<&'a str>,
    pub country: &'a str,
    pub language: &'a str,
    pub timezone: &'a str,
    pub template_id: Uuid,
    pub auth_mode: &'a str,
    pub pstn_vendor: Option<&'a str>,
    pub primary_email: &'a str,
    pub meeting_site_language: &'a str,
    pub meetings_timezone: &'a str,
    pub package_quantity_enabled: bool,
    pub billing_start_date: Option<Date>,
    /// What the provisioning job needs to finish the customer.
    pub provisioning_request: serde_json::Value,
}

/// Stores a new customer of `partner`. The customer just made under the partner's proof
/// is the proof of the customer, for the rows that go with it.
pub async fn insert(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    c: &NewCustomerRecord<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<CustomerOrgId> {
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, external_id, status, address_line1, address_line2, city, state_or_province,
                           zip_or_postal_code, country, language, timezone, template_id, auth_mode, pstn_vendor,
                           primary_email, meeting_site_language, meetings_timezone, package_quantity_enabled,
                           billing_start_date, provisioning_request, onboarded_by, created_at, updated_at)
         VALUES ($1, 'customer', $2, $3, 'provisioning', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 $17, $18, $19, $20, $22, $21, $21)",
    )
    .bind(c.id)
    .bind(c.name)
    .bind(c.external_id)
    .bind(c.address_line1)
    .bind(c.address_line2)
    .bind(c.city)
    .bind(c.state_or_province)
    .bind(c.zip_or_postal_code)
    .bind(c.country)
    .bind(c.language)
    .bind(c.timezone)
    .bind(c.template_id)
    .bind(c.auth_mode)
    .bind(c.pstn_vendor)
    .bind(c.primary_email)
    .bind(c.meeting_site_language)
    .bind(c.meetings_timezone)
    .bind(c.package_quantity_enabled)
    .bind(c.billing_start_date)
    .bind(&c.provisioning_request)
    .bind(now)
    .bind(partner.id())
    .execute(&mut *conn)
    .await?;
    Ok(CustomerOrgId::vouched(c.id))
}

/// Is the email promised to a live customer (one still being provisioned has no admin
/// account yet)? Emails are unique across the installation, so no scope narrows this.
pub async fn email_pending(conn: &mut PgConnection, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orgs WHERE primary_email = $1::citext AND deleted_at IS NULL)")
        .bind(email)
        .fetch_one(&mut *conn)
        .await
}

/// Is another live customer of this (sub-)partner already using `external_id`?
/// `except` is the customer being changed.
pub async fn external_id_in_use(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    external_id: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM orgs WHERE onboarded_by = $1 AND external_id = $2 AND deleted_at IS NULL
                          AND ($3::uuid IS NULL OR id <> $3))",
    )
    .bind(partner.id())
    .bind(external_id.trim())
    .bind(except)
    .fetch_one(&mut *conn)
    .await
}

/// What a change is checked against.
#[derive(sqlx::FromRow)]
pub struct ChangeFacts {
    pub status: Option<String>,
    pub external_id: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    pub country: Option<String>,
    pub package_quantity_enabled: bool,
    pub billing_start_date: Option<Date>,
    pub created_at: OffsetDateTime,
}

impl ChangeFacts {
    /// The billing address the customer has now.
    pub fn address(&self) -> AddressInput {
        AddressInput {
            address_line1: self.address_line1.clone().unwrap_or_default(),
            address_line2: self.address_line2.clone(),
            city: self.city.clone().unwrap_or_default(),
            state_or_province: self.state_or_province.clone(),
            zip_or_postal_code: self.zip_or_postal_code.clone(),
            country: self.country.clone().unwrap_or_default(),
        }
    }
}

/// Locks a live customer `partner` onboarded, for a change; `None` for anything else.
pub async fn lock_for_change(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    customer_id: Uuid,
) -> sqlx::Result<Option<(CustomerOrgId, ChangeFacts)>> {
    let facts: Option<ChangeFacts> = sqlx::query_as(
        "SELECT status, external_id, address_line1, address_line2, city, state_or_province, zip_or_postal_code,
                country::text AS country, package_quantity_enabled, billing_start_date, created_at
         FROM orgs WHERE id = $1 AND kind = 'customer' AND onboarded_by = $2 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(customer_id)
    .bind(partner.id())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(facts.map(|f| (CustomerOrgId::vouched(customer_id), f)))
}

/// A change as it is stored; `None` keeps the meetings time zone and billing start.
pub struct CustomerChange<'a> {
    pub external_id: Option<&'a str>,
    pub address_line1: &'a str,
    pub address_line2: Option<&'a str>,
    pub city: &'a str,
    pub state_or_province: Option<&'a str>,
    pub zip_or_postal_code: Option<&'a str>,
    pub country: &'a str,
    pub meetings_timezone: Option<&'a str>,
    pub billing_start_date: Option<Date>,
}

/// Applies a change and puts the customer in `updating` until its job finishes.
pub async fn start_update(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    c: &CustomerChange<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET status = 'updating', external_id = $2, address_line1 = $3, address_line2 = $4, city = $5,
                state_or_province = $6, zip_or_postal_code = $7, country = $8,
                meetings_timezone = coalesce($9, meetings_timezone),
                billing_start_date = coalesce($10, billing_start_date), updated_at = $11
         WHERE id = $1",
    )
    .bind(customer.id())
    .bind(c.external_id)
    .bind(c.address_line1)
    .bind(c.address_line2)
    .bind(c.city)
    .bind(c.state_or_province)
    .bind(c.zip_or_postal_code)
    .bind(c.country)
    .bind(c.meetings_timezone)
    .bind(c.billing_start_date)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks a customer and its packages `deleting`; the caller enqueues the removal job.
/// The delete door and compliance deprovisioning both start a removal this way.
/// (Compliance decides on a customer by its check's id, so this takes the id as the
/// check row holds it.)
pub async fn mark_deleting(
    conn: &mut PgConnection,
    customer_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET status = 'deleting', updated_at = $2 WHERE id = $1")
        .bind(customer_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE customer_packages SET status = 'deleting' WHERE org_id = $1")
        .bind(customer_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks a live customer `partner` onboarded, for a retry of its provisioning; its
/// status, or `None` for anything else.
pub async fn lock_for_retry(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    customer_id: Uuid,
) -> sqlx::Result<Option<(CustomerOrgId, Option<String>)>> {
    let status: Option<Option<String>> = sqlx::query_scalar(
        "SELECT status FROM orgs WHERE id = $1 AND onboarded_by = $2 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(customer_id)
    .bind(partner.id())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(status.map(|s| (CustomerOrgId::vouched(customer_id), s)))
}

/// Drops the template's PSTN vendor for this customer (the repair of SPEC §3 step 3).
pub async fn drop_pstn_vendor(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET pstn_vendor = NULL WHERE id = $1")
        .bind(customer.id())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Puts a failed customer and its failed packages back in `provisioning`.
pub async fn restart_provisioning(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET status = 'provisioning', updated_at = $2 WHERE id = $1")
        .bind(customer.id())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE customer_packages SET status = 'provisioning' WHERE org_id = $1 AND status = 'error'")
        .bind(customer.id())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Everything the provisioning job needs about a customer, in one query.
#[derive(sqlx::FromRow)]
pub struct ProvisioningFacts {
    pub name: String,
    pub status: Option<String>,
    pub country: Option<String>,
    pub sip_domain: Option<String>,
    pub pstn_vendor: Option<String>,
    pub provisioning_request: Option<serde_json::Value>,
    pub packages: Vec<String>,
    /// The country of the first location, once it exists.
    pub location_country: Option<String>,
    /// Where the E911 notice goes (first provisioning only) and the brand it carries.
    pub notice_to: Option<String>,
    pub brand: String,
    /// The administrator given at creation (`customerInfo.primaryEmail`).
    pub primary_email: Option<String>,
    /// Wholesale attached to an org that existed before (SPEC §4.5).
    pub attached: bool,
    /// How the org's people sign in (`webex`, `saml`, `oidc`), as onboarded.
    pub auth_mode: String,
    /// The (sub-)partner that onboarded the customer.
    pub onboarded_by: Option<Uuid>,
    /// The first location (headquarters), once it exists.
    pub location_id: Option<Uuid>,
    /// The managing partner's support address (its branding, SPEC §12).
    pub support_url: Option<String>,
}

/// Locks a live customer for its provisioning job (worker side: the id is the job's).
pub async fn lock_for_provisioning(
    conn: &mut PgConnection,
    org_id: Uuid,
) -> sqlx::Result<Option<ProvisioningFacts>> {
    sqlx::query_as::<_, ProvisioningFacts>(
        "SELECT o.name, o.status, o.country::text AS country, o.sip_domain, o.pstn_vendor, o.provisioning_request,
                coalesce((SELECT array_agg(cp.package) FROM customer_packages cp WHERE cp.org_id = o.id), '{}') AS packages,
                (SELECT l.country::text FROM locations l WHERE l.org_id = o.id
                 ORDER BY l.is_headquarters DESC, l.created_at LIMIT 1) AS location_country,
                CASE WHEN o.provisioned_at IS NULL THEN o.primary_email::text END AS notice_to,
                coalesce(t.email_brand_name, o.name) AS brand,
                o.primary_email::text AS primary_email, o.attached, o.auth_mode, o.onboarded_by,
                (SELECT l.id FROM locations l WHERE l.org_id = o.id
                 ORDER BY l.is_headquarters DESC, l.created_at LIMIT 1) AS location_id,
                (SELECT b.support_url FROM partner_branding b WHERE b.org_id = o.onboarded_by) AS support_url
         FROM orgs o LEFT JOIN onboarding_templates t ON t.id = o.template_id
         WHERE o.id = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL FOR UPDATE OF o",
    )
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Is a SIP domain already some org's?
pub async fn sip_domain_taken(conn: &mut PgConnection, candidate: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orgs WHERE sip_domain = $1)")
        .bind(candidate)
        .fetch_one(&mut *conn)
        .await
}

/// The provisioning job's outcome, written in one update.
pub struct ProvisioningOutcome<'a> {
    pub sip_domain: Option<&'a str>,
    pub call_in_country: &'a str,
    pub call_in_number: &'a str,
    pub errors: &'a serde_json::Value,
    /// The customer could not be provisioned (`error`).
    pub failed: bool,
    /// Provisioned, but with `errors` to see to (`provisioned_with_errors`).
    pub with_errors: bool,
}

/// One write of the customer: SIP domain, call-in number and outcome. A compliance
/// review that started meanwhile keeps its status. (Worker side: the id is the job's.)
pub async fn finish_provisioning(
    conn: &mut PgConnection,
    org_id: Uuid,
    o: &ProvisioningOutcome<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET sip_domain = $2, call_in_country = $3, call_in_number = $4, errors = $5, updated_at = $6,
                status = CASE WHEN $7 THEN 'error'
                              WHEN compliance_status = 'pending_review' THEN 'pending_rpl_review'
                              WHEN $8 THEN 'provisioned_with_errors'
                              ELSE 'provisioned' END,
                provisioned_at = CASE WHEN $7 THEN provisioned_at ELSE coalesce(provisioned_at, $6) END
         WHERE id = $1",
    )
    .bind(org_id)
    .bind(o.sip_domain)
    .bind(o.call_in_country)
    .bind(o.call_in_number)
    .bind(o.errors)
    .bind(now)
    .bind(o.failed)
    .bind(o.with_errors)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Locks a live customer for its update or delete job and answers its status
/// (worker side: the id is the job's).
pub async fn lock_status(
    conn: &mut PgConnection,
    org_id: Uuid,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar(
        "SELECT status FROM orgs WHERE id = $1 AND kind = 'customer' AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await
}

/// The end of an update: `provisioned` again — or `pending_rpl_review` while a
/// compliance review is open, or still `error` while a provisioning failure is
/// unrepaired. (Worker side: the id is the job's.)
pub async fn finish_update(
    conn: &mut PgConnection,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET
             status = CASE
                 WHEN compliance_status = 'pending_review' THEN 'pending_rpl_review'
                 WHEN EXISTS (SELECT 1 FROM customer_packages WHERE org_id = $1 AND status = 'error') THEN 'error'
                 ELSE 'provisioned' END,
             errors = CASE WHEN EXISTS (SELECT 1 FROM customer_packages WHERE org_id = $1 AND status = 'error')
                           THEN errors ELSE '[]' END,
             updated_at = $2
         WHERE id = $1",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends every open licence of the customer (billing stops now) and removes its users
/// and workspaces. (Worker side: the id is the job's.)
pub async fn remove_holders(
    conn: &mut PgConnection,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE license_assignments SET ended_at = greatest($2, started_at)
         WHERE customer_org_id = $1 AND ended_at IS NULL",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM subscribers WHERE customer_org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM workspaces WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks the org deleted; the record and its people stay. (Worker side.)
pub async fn mark_deleted(
    conn: &mut PgConnection,
    org_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET deleted_at = $2, updated_at = $2 WHERE id = $1")
        .bind(org_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
