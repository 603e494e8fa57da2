//! Sub-partners (SPEC §11): onboarding one under its parent, its state (pending until
//! its first admin chooses a password, then active or suspended), and the list the REST
//! API gives the managing partner (SPEC §9.4), filtered and paged.

use sqlx::{PgConnection, PgExecutor};
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
                coalesce(o.shared_subscription_id,
                         (SELECT s.id FROM wholesale_subscriptions s WHERE s.partner_org_id = r.manager_org_id
                          ORDER BY s.created_at, s.id LIMIT 1)) AS subscription_id,
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

/// The sub-partners `partner` manages, by name: the choices of a report's subject.
pub async fn names(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT o.id, o.name FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
         WHERE r.manager_org_id = $1 AND r.relation = 'parent_of_sub_partner' AND o.deleted_at IS NULL
         ORDER BY lower(o.name), o.id",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}

/// What onboarding records of a new sub-partner.
pub struct NewSubPartner<'a> {
    pub parent: PartnerOrgId,
    pub name: &'a str,
    pub subscription_id: &'a str,
    pub billing_start_date: Date,
    pub country: Option<&'a str>,
}

/// Makes the sub-partner, *pending*, managed by its parent. Answers `None` when the
/// parent has a sub-partner of that name already (any case).
pub async fn insert(
    conn: &mut PgConnection,
    new: &NewSubPartner<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::new_v4();
    let made = sqlx::query(
        "INSERT INTO orgs (id, kind, name, parent_org_id, country, provisioning_state, state_changed_at,
                           shared_subscription_id, billing_start_date, created_at, updated_at)
         VALUES ($1, 'sub_partner', $2, $3, $4, 'pending', $5, $6, $7, $5, $5)
         ON CONFLICT (parent_org_id, lower(name)) WHERE kind = 'sub_partner' AND deleted_at IS NULL
         DO NOTHING",
    )
    .bind(id)
    .bind(new.name)
    .bind(new.parent.id())
    .bind(new.country)
    .bind(now)
    .bind(new.subscription_id)
    .bind(new.billing_start_date)
    .execute(&mut *conn)
    .await?;
    if made.rows_affected() == 0 {
        return Ok(None);
    }
    crate::store::orgs::relate(&mut *conn, new.parent.id(), id, "parent_of_sub_partner").await?;
    Ok(Some(id))
}

/// Does the parent have a sub-partner of this name (any case)?
pub async fn name_taken(
    db: impl PgExecutor<'_>,
    parent: PartnerOrgId,
    name: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM orgs WHERE parent_org_id = $1 AND kind = 'sub_partner'
                        AND deleted_at IS NULL AND lower(name) = lower($2))",
    )
    .bind(parent.id())
    .bind(name)
    .fetch_one(db)
    .await
}

/// One of the parent's own sub-partners, as its Indirect providers page acts on it.
#[derive(Debug, sqlx::FromRow)]
pub struct ManagedSubPartner {
    pub id: Uuid,
    pub name: String,
    pub provisioning_state: Option<String>,
}

/// The sub-partner `id` if `parent` manages it (locked for a change of state).
pub async fn lock_managed(
    conn: &mut PgConnection,
    parent: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<ManagedSubPartner>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.provisioning_state
         FROM orgs o JOIN org_relationships r ON r.managed_org_id = o.id
          AND r.manager_org_id = $1 AND r.relation = 'parent_of_sub_partner'
         WHERE o.id = $2 AND o.kind = 'sub_partner' AND o.deleted_at IS NULL
         FOR UPDATE OF o",
    )
    .bind(parent.id())
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Sets the sub-partner's state.
pub async fn set_state(
    conn: &mut PgConnection,
    id: Uuid,
    state: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orgs SET provisioning_state = $2, state_changed_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A pending sub-partner becomes active (its first admin chose a password). Answers
/// whether it was pending.
pub async fn activate_if_pending(
    conn: &mut PgConnection,
    id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE orgs SET provisioning_state = 'active', state_changed_at = $2, updated_at = $2
         WHERE id = $1 AND kind = 'sub_partner' AND provisioning_state = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The sub-partner's first admin (the person onboarding invited): id and email.
pub async fn first_admin(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT p.id, p.email::text FROM people p
         JOIN role_assignments r ON r.person_id = p.id AND r.org_id = p.org_id AND r.role = 'partner_full_admin'
         WHERE p.org_id = $1 ORDER BY p.created_at, p.id LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}
