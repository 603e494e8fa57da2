//! The append-only audit log (the table refuses UPDATE, DELETE and TRUNCATE).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

#[derive(Debug, Default)]
pub struct Entry<'a> {
    pub actor_person_id: Option<Uuid>,
    pub actor_email: Option<&'a str>,
    pub acting_for_org_id: Option<Uuid>,
    pub target_org_id: Option<Uuid>,
    pub action: &'a str,
    /// `success`, `failure` or `denied`.
    pub outcome: &'a str,
    pub detail: serde_json::Value,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub async fn append(
    db: impl PgExecutor<'_>,
    e: &Entry<'_>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_person_id, actor_email, acting_for_org_id, target_org_id, action, outcome,
                                detail, request_id, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(at)
    .bind(e.actor_person_id)
    .bind(e.actor_email)
    .bind(e.acting_for_org_id)
    .bind(e.target_org_id)
    .bind(e.action)
    .bind(e.outcome)
    .bind(if e.detail.is_null() { serde_json::json!({}) } else { e.detail.clone() })
    .bind(e.request_id)
    .bind(e.ip)
    .execute(db)
    .await?;
    Ok(())
}

/// Many entries at `at`, in one statement, in the order given.
pub async fn append_many(
    db: impl PgExecutor<'_>,
    entries: &[Entry<'_>],
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_person_id, actor_email, acting_for_org_id, target_org_id, action, outcome,
                                detail, request_id, ip)
         SELECT $1, actor, email, acting_for, target, action, outcome, detail, request_id, ip
         FROM UNNEST($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::text[])
              WITH ORDINALITY AS e (actor, email, acting_for, target, action, outcome, detail, request_id, ip, n)
         ORDER BY n",
    )
    .bind(at)
    .bind(entries.iter().map(|e| e.actor_person_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.actor_email).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.acting_for_org_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.target_org_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.action).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.outcome).collect::<Vec<_>>())
    .bind(
        entries
            .iter()
            .map(|e| if e.detail.is_null() { serde_json::json!({}) } else { e.detail.clone() })
            .collect::<Vec<_>>(),
    )
    .bind(entries.iter().map(|e| e.request_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.ip).collect::<Vec<_>>())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_email: Option<String>,
    pub acting_for: Option<String>,
    pub target: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: serde_json::Value,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// Done by someone of the reader's managing partner: the actor's email and address
    /// are left out, as is the partner's name (`Identities::HideManagingPartner`).
    pub by_managing_partner: bool,
}

/// Whose identities an audit reader sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identities {
    /// Everyone's: a partner in its own hub, or a parent cross-launched into its
    /// sub-partner's.
    All,
    /// Everyone's but the managing partner's: a sub-partner never sees its parent
    /// (SPEC §1), so the parent's people, name and addresses are left out of the entries
    /// and the actor and organisation filters do not match them.
    HideManagingPartner,
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub org: Option<String>,
    pub action: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Entries that concern a partner: done in its hub, or aimed at it, its customers or
/// its sub-partners. Newest first, keyset-paged by id.
pub async fn list(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    identities: Identities,
    f: &AuditFilter,
) -> sqlx::Result<Vec<AuditRow>> {
    let actor = f.actor.as_ref().map(|a| format!("%{}%", a.to_lowercase()));
    let org = f.org.as_ref().map(|o| format!("%{}%", o.to_lowercase()));
    let action = f.action.as_ref().map(|a| format!("{}%", a));
    sqlx::query_as(
        // Newest entries first, each checked against the partner with index probes: a
        // list of every org the partner manages (100,000 customers) made this 65 ms.
        // `mp` is the managing partner to leave out (one primary-key probe, none for a
        // top-level partner); `h` says which parts of an entry are its.
        "WITH mp AS (SELECT (SELECT r.manager_org_id FROM org_relationships r
                             WHERE $9 AND r.managed_org_id = $1 AND r.relation = 'parent_of_sub_partner'
                             LIMIT 1) AS id)
         SELECT a.id, a.at,
                CASE WHEN h.actor THEN NULL ELSE a.actor_email END AS actor_email,
                CASE WHEN h.acting_for THEN NULL ELSE af.name END AS acting_for,
                CASE WHEN h.target THEN NULL ELSE t.name END AS target,
                a.action, a.outcome, a.detail, a.request_id,
                CASE WHEN h.actor THEN NULL ELSE a.ip END AS ip,
                h.actor AS by_managing_partner
         FROM audit_log a
         CROSS JOIN mp
         LEFT JOIN people p ON mp.id IS NOT NULL AND p.id = a.actor_person_id
         LEFT JOIN orgs af ON af.id = a.acting_for_org_id
         LEFT JOIN orgs t ON t.id = a.target_org_id
         CROSS JOIN LATERAL (
             SELECT coalesce(p.org_id = mp.id OR a.acting_for_org_id = mp.id, false) AS actor,
                    coalesce(a.acting_for_org_id = mp.id, false) AS acting_for,
                    coalesce(a.target_org_id = mp.id, false) AS target) h
         WHERE (a.acting_for_org_id = $1 OR a.target_org_id = $1
                OR EXISTS (SELECT 1 FROM org_relationships r
                           WHERE r.manager_org_id = $1 AND r.managed_org_id IN (a.acting_for_org_id, a.target_org_id)))
           AND ($2::text IS NULL OR (NOT h.actor AND lower(a.actor_email) LIKE $2))
           AND ($3::text IS NULL OR (NOT h.acting_for AND lower(af.name) LIKE $3)
                                 OR (NOT h.target AND lower(t.name) LIKE $3))
           AND ($4::text IS NULL OR a.action LIKE $4)
           AND ($5::timestamptz IS NULL OR a.at >= $5)
           AND ($6::timestamptz IS NULL OR a.at < $6)
           AND ($7::bigint IS NULL OR a.id < $7)
         ORDER BY a.id DESC LIMIT $8",
    )
    .bind(partner.id())
    .bind(actor)
    .bind(org)
    .bind(action)
    .bind(f.from)
    .bind(f.to)
    .bind(f.before_id)
    .bind(f.limit)
    .bind(identities == Identities::HideManagingPartner)
    .fetch_all(db)
    .await
}

/// The actions among the entries a partner may see (`list` without filters), for the
/// filter's list: kept per org by triggers (migration 0011), so this reads a few rows
/// however many entries there are.
pub async fn actions(db: impl PgExecutor<'_>, partner: PartnerOrgId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT action FROM audit_actions_seen WHERE viewer_org_id = $1 ORDER BY action LIMIT 200",
    )
    .bind(partner.id())
    .fetch_all(db)
    .await
}
