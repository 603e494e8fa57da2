//! Organisations that existed before a partner attached wholesale to them (SPEC §4.5):
//! the facts that decide whether their admin must consent and which rights the partner
//! gets, and the one write that attaches them.
//!
//! An existing org is a customer row nobody onboarded (`onboarded_by IS NULL`). Its id
//! comes from the partner's request, so it is looked up without a scope; what the
//! partner then learns of it is decided by `services::customer::attach`.

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::domain::address::AddressInput;
use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

/// What an attach request is decided on, read with the org's row locked.
#[derive(Debug, sqlx::FromRow)]
pub struct ExistingOrg {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    /// The (sub-)partner that manages it already, if any.
    pub onboarded_by: Option<Uuid>,
    pub is_trial: bool,
    pub verified_domain: Option<String>,
    pub claimed_domain: Option<String>,
    /// Its people (users and admins).
    pub people: i64,
    /// It holds a licence that is neither suspended nor cancelled.
    pub active_licences: bool,
    pub language: Option<String>,
}

/// Locks a live org by id, whoever manages it, for an attach decision.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ExistingOrg>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind, o.onboarded_by, o.is_trial, o.verified_domain, o.claimed_domain,
                (SELECT count(*) FROM people p WHERE p.org_id = o.id) AS people,
                EXISTS (SELECT 1 FROM org_licences l WHERE l.org_id = o.id AND l.status = 'active')
                    AS active_licences,
                o.language
         FROM orgs o WHERE o.id = $1 AND o.deleted_at IS NULL FOR UPDATE OF o",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// What an attach writes on the org: the wholesale side of a customer record, as
/// `customer_records::insert` writes it for a new one — but never its name, its own
/// sign-in settings or its primary email.
pub struct AttachRecord<'a> {
    pub external_id: Option<&'a str>,
    pub address: &'a AddressInput,
    pub language: &'a str,
    pub timezone: &'a str,
    pub template_id: Uuid,
    pub pstn_vendor: Option<&'a str>,
    pub meeting_site_language: &'a str,
    pub meetings_timezone: &'a str,
    pub package_quantity_enabled: bool,
    pub billing_start_date: Option<Date>,
    pub provisioning_request: serde_json::Value,
    /// `full_admin` or `provisioning_admin`.
    pub partner_rights: &'a str,
}

/// Makes an unmanaged org a `provisioning` wholesale customer of `partner`, with
/// restricted mode off (SPEC §7). `None` when the org is no longer unmanaged. The org
/// just attached under the partner's proof is the proof of the customer.
pub async fn attach(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    org: Uuid,
    a: &AttachRecord<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<CustomerOrgId>> {
    let done = sqlx::query(
        "UPDATE orgs SET onboarded_by = $2, status = 'provisioning', attached = true, restricted_by_partner = false,
                external_id = $3, address_line1 = $4, address_line2 = $5, city = $6, state_or_province = $7,
                zip_or_postal_code = $8, country = $9, language = coalesce(language, $10),
                timezone = coalesce(timezone, $11), template_id = $12, pstn_vendor = $13,
                meeting_site_language = $14, meetings_timezone = $15, package_quantity_enabled = $16,
                billing_start_date = $17, provisioning_request = $18, partner_rights = $19, errors = '[]',
                updated_at = $20
         WHERE id = $1 AND kind = 'customer' AND onboarded_by IS NULL AND deleted_at IS NULL",
    )
    .bind(org)
    .bind(partner.id())
    .bind(a.external_id)
    .bind(&a.address.address_line1)
    .bind(a.address.address_line2.as_deref())
    .bind(&a.address.city)
    .bind(a.address.state_or_province.as_deref())
    .bind(a.address.zip_or_postal_code.as_deref())
    .bind(&a.address.country)
    .bind(a.language)
    .bind(a.timezone)
    .bind(a.template_id)
    .bind(a.pstn_vendor)
    .bind(a.meeting_site_language)
    .bind(a.meetings_timezone)
    .bind(a.package_quantity_enabled)
    .bind(a.billing_start_date)
    .bind(&a.provisioning_request)
    .bind(a.partner_rights)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((done == 1).then(|| CustomerOrgId::vouched(org)))
}

/// Does `email` belong to someone of an org that existed before wholesale (unmanaged,
/// or attached)? The create-customer wizard explains that such an org is attached
/// through the API instead (SPEC §4.5).
pub async fn email_of_existing_org(conn: &mut PgConnection, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM people p JOIN orgs o ON o.id = p.org_id
                        WHERE p.email = $1::citext AND o.kind = 'customer' AND o.deleted_at IS NULL
                          AND (o.attached OR o.onboarded_by IS NULL))",
    )
    .bind(email.trim())
    .fetch_one(&mut *conn)
    .await
}

/// The end of removing wholesale from an org it was attached to: the org existed before
/// and goes on existing, unmanaged again, with its people (SPEC §4.4: removal keeps the
/// org). False, and nothing changed, for an org wholesale created. (Worker side: the id
/// is the job's.)
pub async fn detach(conn: &mut PgConnection, org: Uuid, now: OffsetDateTime) -> sqlx::Result<bool> {
    let detached = sqlx::query(
        "UPDATE orgs SET onboarded_by = NULL, status = NULL, attached = false, partner_rights = NULL,
                template_id = NULL, external_id = NULL, provisioning_request = NULL, errors = '[]', updated_at = $2
         WHERE id = $1 AND attached",
    )
    .bind(org)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if detached {
        sqlx::query("DELETE FROM org_relationships WHERE managed_org_id = $1")
            .bind(org)
            .execute(&mut *conn)
            .await?;
    }
    Ok(detached)
}

/// A licence the org held before wholesale (demo data; SPEC §4.5 decides rights on it).
pub async fn add_licence(
    conn: &mut PgConnection,
    org: Uuid,
    name: &str,
    status: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO org_licences (id, org_id, name, status, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::new_v4())
    .bind(org)
    .bind(name)
    .bind(status)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
