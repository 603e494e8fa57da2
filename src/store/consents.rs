//! Requests for an org admin's consent to attach wholesale (SPEC §4.5): written by the
//! partner's attach, answered by the org's full admin in Control Hub. A request carries
//! the checked plan, so accepting it applies exactly what the partner asked for.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId};

/// Unique index of one waiting request per org and partner (migration 0024).
pub const PENDING_KEY: &str = "consent_requests_pending_key";

pub struct NewConsent<'a> {
    pub id: Uuid,
    pub org: Uuid,
    pub partner: PartnerOrgId,
    pub template_id: Uuid,
    pub requested_by: Uuid,
    pub request: &'a serde_json::Value,
}

pub async fn insert(
    conn: &mut PgConnection,
    c: &NewConsent<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO consent_requests (id, customer_org_id, partner_org_id, status, request, template_id,
                                       requested_by, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7)",
    )
    .bind(c.id)
    .bind(c.org)
    .bind(c.partner.id())
    .bind(c.request)
    .bind(c.template_id)
    .bind(c.requested_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A request as the partner that made it sees it.
#[derive(Debug, sqlx::FromRow)]
pub struct PartnerView {
    pub id: Uuid,
    pub org_id: Uuid,
    pub org_name: String,
    pub status: String,
    pub request: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
}

const PARTNER_VIEW: &str =
    "SELECT c.id, c.customer_org_id AS org_id, o.name AS org_name, c.status, c.request, c.created_at, c.decided_at
     FROM consent_requests c JOIN orgs o ON o.id = c.customer_org_id";

/// The partner's requests still waiting, and those answered in the last 30 days that
/// did not end in an attach: newest first, at most `limit`.
pub async fn open_for_partner(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<PartnerView>> {
    sqlx::query_as(&format!(
        "{PARTNER_VIEW}
         WHERE c.partner_org_id = $1
           AND (c.status = 'pending' OR (c.status = 'declined' AND c.decided_at > $2 - interval '30 days'))
         ORDER BY c.created_at DESC LIMIT $3"
    ))
    .bind(partner.id())
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The partner's latest request about `org` that did not end in an attach, if any: what
/// `GET /v1/wholesale/customers/{id}` answers about an org it does not manage yet.
pub async fn latest_unattached(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    org: Uuid,
) -> sqlx::Result<Option<PartnerView>> {
    sqlx::query_as(&format!(
        "{PARTNER_VIEW}
         WHERE c.partner_org_id = $1 AND c.customer_org_id = $2 AND c.status IN ('pending', 'declined')
         ORDER BY c.created_at DESC LIMIT 1"
    ))
    .bind(partner.id())
    .bind(org)
    .fetch_optional(db)
    .await
}

/// A request as the org's admins see it.
#[derive(Debug, sqlx::FromRow)]
pub struct OrgView {
    pub id: Uuid,
    pub partner_name: String,
    pub status: String,
    pub request: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
}

/// Every request made to the org, newest first.
pub async fn for_org(db: impl PgExecutor<'_>, org: CustomerOrgId) -> sqlx::Result<Vec<OrgView>> {
    sqlx::query_as(
        "SELECT c.id, p.name AS partner_name, c.status, c.request, c.created_at, c.decided_at,
                d.email::text AS decided_by
         FROM consent_requests c JOIN orgs p ON p.id = c.partner_org_id
         LEFT JOIN people d ON d.id = c.decided_by
         WHERE c.customer_org_id = $1 ORDER BY c.created_at DESC LIMIT 50",
    )
    .bind(org.id())
    .fetch_all(db)
    .await
}

/// Does the org have a request waiting for its answer?
pub async fn has_pending(db: impl PgExecutor<'_>, org: CustomerOrgId) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM consent_requests WHERE customer_org_id = $1 AND status = 'pending')",
    )
    .bind(org.id())
    .fetch_one(db)
    .await
}

/// A waiting request of the org, locked to be answered.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    /// The partner's own parent, when the partner is a sub-partner.
    pub partner_parent: Option<Uuid>,
    pub partner_name: String,
    pub request: serde_json::Value,
    pub template_id: Option<Uuid>,
}

impl Pending {
    /// The partner that asked: the request was written under its scope.
    pub fn partner(&self) -> PartnerOrgId {
        PartnerOrgId::vouched(self.partner_org_id)
    }
}

pub async fn lock_pending(
    conn: &mut PgConnection,
    org: CustomerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as(
        "SELECT c.id, c.partner_org_id, p.parent_org_id AS partner_parent, p.name AS partner_name, c.request,
                c.template_id
         FROM consent_requests c JOIN orgs p ON p.id = c.partner_org_id
         WHERE c.customer_org_id = $1 AND c.id = $2 AND c.status = 'pending' AND p.deleted_at IS NULL
         FOR UPDATE OF c",
    )
    .bind(org.id())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// Records the answer to a request; accepting one also declines the org's other
/// waiting requests (the org now has its partner).
pub async fn decide(
    conn: &mut PgConnection,
    org: CustomerOrgId,
    id: Uuid,
    accepted: bool,
    by: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE consent_requests SET status = CASE WHEN id = $2 AND $3 THEN 'accepted' ELSE 'declined' END,
                decided_at = $5, decided_by = $4
         WHERE customer_org_id = $1 AND status = 'pending' AND (id = $2 OR $3)",
    )
    .bind(org.id())
    .bind(id)
    .bind(accepted)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Withdraws the partner's waiting request about `org`; answers whether there was one.
pub async fn withdraw(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
    org: Uuid,
    by: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE consent_requests SET status = 'withdrawn', decided_at = $4, decided_by = $3
         WHERE partner_org_id = $1 AND customer_org_id = $2 AND status = 'pending'",
    )
    .bind(partner.id())
    .bind(org)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The emails of the org's full admins (who receive the admin-invite email).
pub async fn org_full_admins(conn: &mut PgConnection, org: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT p.email::text FROM role_assignments r JOIN people p ON p.id = r.person_id
         WHERE r.org_id = $1 AND r.role = 'customer_full_admin' AND NOT p.disabled ORDER BY p.email",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await
}
