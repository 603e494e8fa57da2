//! Onboarding templates as their owner sees them (SPEC §3). Every function takes the
//! owner's `PartnerOrgId`, so another hub's template is simply not found.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

/// Unique index on (owner_org_id, lower(name)).
pub const NAME_KEY: &str = "onboarding_templates_name_key";
/// Foreign key from `orgs.template_id`.
pub const ORGS_FK: &str = "orgs_template_fk";

#[derive(Debug, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub provisioning_id: String,
    pub offer_wholesale: bool,
    pub offer_broadworks: bool,
    pub sp_admin_email: Option<String>,
    pub sp_admin_name: Option<String>,
    pub country: String,
    pub language: String,
    pub subscription_id: String,
    pub auth_mode: String,
    pub saml_entity_id: Option<String>,
    pub oidc_idp_name: Option<String>,
    pub email_brand_name: String,
    pub allow_admin_invite_emails: bool,
    pub allow_webex_to_webex: bool,
    pub pstn_vendor: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Customers onboarded with it and not deleted.
    pub customers: i64,
}

const SELECT: &str = "SELECT t.id, t.name, t.provisioning_id, t.offer_wholesale, t.offer_broadworks,
        p.email::text AS sp_admin_email,
        nullif(trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), '') AS sp_admin_name,
        t.country::text AS country, t.language, t.subscription_id, t.auth_mode, t.saml_entity_id, t.oidc_idp_name,
        t.email_brand_name, t.allow_admin_invite_emails, t.allow_webex_to_webex, t.pstn_vendor,
        t.created_at, t.updated_at,
        coalesce(u.n, 0)::bigint AS customers
    FROM onboarding_templates t LEFT JOIN people p ON p.id = t.sp_admin_person_id
    LEFT JOIN LATERAL (SELECT sum(c.n) AS n FROM template_use_counts c WHERE c.template_id = t.id) u ON true";

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

/// A template's name, locking its row for a change or a delete; `None` when the owner
/// has no such template.
pub async fn lock(
    conn: &mut PgConnection,
    owner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT name, auth_mode FROM onboarding_templates WHERE owner_org_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(owner.id())
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Is `name` taken (case-insensitively) by another of the owner's templates?
pub async fn name_taken(
    conn: &mut PgConnection,
    owner: PartnerOrgId,
    name: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM onboarding_templates
                        WHERE owner_org_id = $1 AND lower(name) = lower($2) AND ($3::uuid IS NULL OR id <> $3))",
    )
    .bind(owner.id())
    .bind(name)
    .bind(except)
    .fetch_one(conn)
    .await
}

/// A partner admin of a hub, for the service-provider admin choice.
#[derive(Debug, sqlx::FromRow)]
pub struct PartnerAdmin {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// Enabled full admins of `org`, by name: the people a template may name as its
/// service-provider admin (the admin who runs its customers on the partner's behalf; a
/// read-only or wholesale-only admin could not).
pub async fn partner_admins(
    db: impl PgExecutor<'_>,
    org: PartnerOrgId,
) -> sqlx::Result<Vec<PartnerAdmin>> {
    sqlx::query_as(
        "SELECT p.id, p.email::text AS email, trim(p.first_name || ' ' || p.last_name) AS name
         FROM people p
         WHERE NOT p.disabled AND EXISTS (
             SELECT 1 FROM role_assignments r
             WHERE r.person_id = p.id AND r.org_id = $1
               AND r.role = 'partner_full_admin')
         ORDER BY lower(p.first_name || ' ' || p.last_name), p.email",
    )
    .bind(org.id())
    .fetch_all(db)
    .await
}

/// The id of the enabled full admin of `org` with this email.
pub async fn partner_admin_id(
    conn: &mut PgConnection,
    org: PartnerOrgId,
    email: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT p.id FROM people p
         WHERE p.email = $2::citext AND NOT p.disabled AND EXISTS (
             SELECT 1 FROM role_assignments r
             WHERE r.person_id = p.id AND r.org_id = $1
               AND r.role = 'partner_full_admin')",
    )
    .bind(org.id())
    .bind(email)
    .fetch_optional(conn)
    .await
}

/// A template's settings after every rule passed (`services::templates::check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateValues {
    pub name: String,
    pub offer_broadworks: bool,
    pub sp_admin_person_id: Uuid,
    pub sp_admin_email: String,
    pub country: String,
    pub language: String,
    pub subscription_id: String,
    pub pstn_vendor: Option<String>,
    pub auth_mode: String,
    pub saml_entity_id: Option<String>,
    pub oidc_idp_name: Option<String>,
    pub email_brand_name: String,
    pub allow_admin_invite_emails: bool,
    pub allow_webex_to_webex: bool,
}

pub async fn insert(
    conn: &mut PgConnection,
    owner: PartnerOrgId,
    id: Uuid,
    provisioning_id: &str,
    v: &TemplateValues,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO onboarding_templates (id, owner_org_id, name, provisioning_id, offer_wholesale, offer_broadworks,
             sp_admin_person_id, country, language, subscription_id, pstn_vendor, auth_mode, saml_entity_id,
             oidc_idp_name, email_brand_name, allow_admin_invite_emails, allow_webex_to_webex, created_at, updated_at)
         VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
    )
    .bind(id)
    .bind(owner.id())
    .bind(&v.name)
    .bind(provisioning_id)
    .bind(v.offer_broadworks)
    .bind(v.sp_admin_person_id)
    .bind(&v.country)
    .bind(&v.language)
    .bind(&v.subscription_id)
    .bind(&v.pstn_vendor)
    .bind(&v.auth_mode)
    .bind(&v.saml_entity_id)
    .bind(&v.oidc_idp_name)
    .bind(&v.email_brand_name)
    .bind(v.allow_admin_invite_emails)
    .bind(v.allow_webex_to_webex)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites a template's settings. Its provisioning ID never changes, and the orgs
/// onboarded with it keep their own settings (`orgs.auth_mode`, SPEC §3, §10).
pub async fn update(
    conn: &mut PgConnection,
    owner: PartnerOrgId,
    id: Uuid,
    v: &TemplateValues,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE onboarding_templates SET name = $3, offer_wholesale = true, offer_broadworks = $4,
             sp_admin_person_id = $5, country = $6, language = $7, subscription_id = $8, pstn_vendor = $9,
             auth_mode = $10, saml_entity_id = $11, oidc_idp_name = $12, email_brand_name = $13,
             allow_admin_invite_emails = $14, allow_webex_to_webex = $15, updated_at = $16
         WHERE owner_org_id = $1 AND id = $2",
    )
    .bind(owner.id())
    .bind(id)
    .bind(&v.name)
    .bind(v.offer_broadworks)
    .bind(v.sp_admin_person_id)
    .bind(&v.country)
    .bind(&v.language)
    .bind(&v.subscription_id)
    .bind(&v.pstn_vendor)
    .bind(&v.auth_mode)
    .bind(&v.saml_entity_id)
    .bind(&v.oidc_idp_name)
    .bind(&v.email_brand_name)
    .bind(v.allow_admin_invite_emails)
    .bind(v.allow_webex_to_webex)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Customers (not deleted) onboarded with the template.
pub async fn customers_using(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM orgs WHERE template_id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// Deletes a template no live customer uses. Deleted customers that were onboarded with
/// it forget the reference (the template no longer exists to point at).
pub async fn delete(conn: &mut PgConnection, owner: PartnerOrgId, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET template_id = NULL WHERE template_id = $1 AND deleted_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM onboarding_templates WHERE id = $1 AND owner_org_id = $2)",
    )
    .bind(id)
    .bind(owner.id())
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM onboarding_templates WHERE owner_org_id = $1 AND id = $2")
        .bind(owner.id())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What provisioning takes from the template a request names.
#[derive(sqlx::FromRow)]
pub struct ProvisioningTemplate {
    pub id: Uuid,
    pub country: String,
    pub language: String,
    pub auth_mode: String,
    pub pstn_vendor: Option<String>,
    /// Attaching to an existing org may email its admins (SPEC §3 step 5, §13).
    pub allow_admin_invite_emails: bool,
    pub email_brand_name: String,
}

/// The owner's template with this provisioning id, if any.
pub async fn by_provisioning_id(
    conn: &mut PgConnection,
    owner: PartnerOrgId,
    provisioning_id: &str,
) -> sqlx::Result<Option<ProvisioningTemplate>> {
    sqlx::query_as(
        "SELECT id, country::text AS country, language, auth_mode, pstn_vendor, allow_admin_invite_emails,
                email_brand_name FROM onboarding_templates
             WHERE provisioning_id = $1 AND owner_org_id = $2",
    )
    .bind(provisioning_id)
    .bind(owner.id())
    .fetch_optional(&mut *conn)
    .await
}
