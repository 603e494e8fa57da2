//! People (admins and users) and their role assignments.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::org_summary::OrgSummary;
use crate::domain::roles::Role;

#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

pub async fn credentials_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<Credentials>> {
    sqlx::query_as("SELECT id, password_hash, disabled FROM people WHERE email = $1::citext")
        .bind(email)
        .fetch_optional(db)
        .await
}

#[derive(Debug, sqlx::FromRow, serde::Deserialize)]
pub struct PersonRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: Option<String>,
    pub disabled: bool,
}

impl PersonRow {
    pub fn shown_name(&self) -> String {
        match &self.display_name {
            Some(d) if !d.is_empty() => d.clone(),
            _ => format!("{} {}", self.first_name, self.last_name)
                .trim()
                .to_string(),
        }
    }
}

pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<PersonRow>> {
    sqlx::query_as(
        "SELECT id, org_id, email::text AS email, first_name, last_name, display_name, disabled FROM people WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A person, their org (when live) and every role they hold, in one query: what a
/// request needs to know who is asking (`auth::load_actor`).
pub struct ActorRecord {
    pub person: PersonRow,
    pub org: Option<OrgSummary>,
    pub assignments: Vec<(Uuid, Role)>,
    /// The orgs among those roles whose services are gone: deleted, or being removed
    /// (a customer its partner deleted or deprovisioned).
    pub removed_orgs: Vec<Uuid>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct ActorRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    person: PersonRow,
    org_kind: Option<String>,
    org_name: Option<String>,
    parent_org_id: Option<Uuid>,
    restricted_by_partner: Option<bool>,
    restrict_org_settings: Option<bool>,
    provisioning_state: Option<String>,
    role_orgs: Vec<Uuid>,
    roles: Vec<String>,
    removed_orgs: Vec<Uuid>,
}

/// The columns of `ActorRow` for the person `p`: their org and every role, aggregated.
/// `{person}` is the SQL that names the person (a parameter, or a session's column).
const ACTOR_SELECT: &str = "SELECT p.id, p.org_id, p.email::text AS email, p.first_name, p.last_name, p.display_name, p.disabled,
                o.kind AS org_kind, o.name AS org_name, o.parent_org_id, o.restricted_by_partner,
                o.restrict_org_settings, o.provisioning_state,
                coalesce(r.orgs, '{}') AS role_orgs, coalesce(r.roles, '{}') AS roles,
                coalesce(r.removed, '{}') AS removed_orgs
         FROM people p
         LEFT JOIN orgs o ON o.id = p.org_id AND o.deleted_at IS NULL
         LEFT JOIN LATERAL (SELECT array_agg(a.org_id ORDER BY a.org_id, a.role) AS orgs,
                                   array_agg(a.role ORDER BY a.org_id, a.role) AS roles,
                                   array_agg(DISTINCT a.org_id)
                                       FILTER (WHERE ro.deleted_at IS NOT NULL OR ro.status = 'deleting') AS removed
                            FROM role_assignments a JOIN orgs ro ON ro.id = a.org_id
                            WHERE a.person_id = p.id) r ON true
         WHERE p.id = {person}";

/// The actor query for the person named by the SQL `person`.
pub(crate) fn actor_select(person: &str) -> String {
    ACTOR_SELECT.replace("{person}", person)
}

pub async fn actor_record(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<ActorRecord>> {
    let row: Option<ActorRow> = sqlx::query_as(&actor_select("$1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(ActorRow::into_record))
}

/// The actor a session's read brought along (`store::sessions`, as JSON), if it is
/// readable and is `person`'s.
pub fn preloaded_actor(json: serde_json::Value, person: Uuid) -> Option<ActorRecord> {
    let row: ActorRow = serde_json::from_value(json).ok()?;
    (row.person.id == person).then(|| row.into_record())
}

impl ActorRow {
    fn into_record(self) -> ActorRecord {
        let r = self;
        let org = match (r.org_kind, r.org_name) {
            (Some(kind), Some(name)) => Some(OrgSummary {
                id: r.person.org_id,
                kind,
                name,
                parent_org_id: r.parent_org_id,
                restricted_by_partner: r.restricted_by_partner.unwrap_or(false),
                restrict_org_settings: r.restrict_org_settings.unwrap_or(false),
                // The actor's home org as the session shows it, without its services:
                // Control Hub reads a customer's afresh (`store::orgs::customer_opened`).
                has_flex_subscription: false,
                packages: vec![],
                provisioning_state: r.provisioning_state,
                partner_rights: None,
            }),
            _ => None,
        };
        let assignments = r
            .role_orgs
            .into_iter()
            .zip(r.roles)
            .filter_map(|(org, role)| Role::parse(&role).map(|r| (org, r)))
            .collect();
        ActorRecord {
            person: r.person,
            org,
            assignments,
            removed_orgs: r.removed_orgs,
        }
    }
}

/// Is `email` taken anywhere: a person has it, or a customer being created holds it
/// for its first administrator (SPEC §5: one identity per email, system-wide).
pub async fn email_in_use(conn: &mut sqlx::PgConnection, email: &str) -> sqlx::Result<bool> {
    Ok(credentials_by_email(&mut *conn, email).await?.is_some()
        || crate::store::customer_records::email_pending(conn, email).await?)
}

pub async fn by_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<PersonRow>> {
    sqlx::query_as(
        "SELECT id, org_id, email::text AS email, first_name, last_name, display_name, disabled FROM people WHERE email = $1::citext",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

pub struct NewPerson<'a> {
    pub org_id: Uuid,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password_hash: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, p: &NewPerson<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO people (id, org_id, email, first_name, last_name, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(p.org_id)
    .bind(p.email)
    .bind(p.first_name)
    .bind(p.last_name)
    .bind(p.password_hash)
    .execute(db)
    .await?;
    Ok(id)
}

/// A person of `insert_many`: the id is the caller's, so that what goes in beside the
/// person (their subscriber) needs no answer from this statement.
pub struct NewPlainPerson<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: Option<&'a str>,
}

/// People of one org, in one statement (a CSV import's batch of new users), without
/// passwords: they sign in once they are invited or through single sign-on.
pub async fn insert_many(
    db: impl PgExecutor<'_>,
    org_id: Uuid,
    people: &[NewPlainPerson<'_>],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO people (id, org_id, email, first_name, last_name, display_name)
         SELECT id, $1, email, first_name, last_name, display_name
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
              AS n (id, email, first_name, last_name, display_name)",
    )
    .bind(org_id)
    .bind(people.iter().map(|p| p.id).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.email).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.first_name).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.last_name).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.display_name).collect::<Vec<_>>())
    .execute(db)
    .await?;
    Ok(())
}

/// Which of `emails` (in lower case) are someone's already, in any case: anywhere in the
/// service, or with `outside` only people of other orgs (external users of that one).
pub async fn emails_taken(
    db: impl PgExecutor<'_>,
    emails: &[&str],
    outside: Option<Uuid>,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT lower(email::text) FROM people
         WHERE email = ANY($1::citext[]) AND ($2::uuid IS NULL OR org_id <> $2)",
    )
    .bind(emails)
    .bind(outside)
    .fetch_all(db)
    .await
}

pub async fn grant(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    org_id: Uuid,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO role_assignments (person_id, org_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(person_id)
        .bind(org_id)
        .bind(role.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE people SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(person_id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets a person's password, and their names where given (an invitation accepted).
pub async fn set_password_and_names(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    hash: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE people SET password_hash = $2, first_name = coalesce($3, first_name),
                last_name = coalesce($4, last_name), updated_at = $5
         WHERE id = $1",
    )
    .bind(person_id)
    .bind(hash)
    .bind(first_name)
    .bind(last_name)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// An admin of an org, for the Settings → Administrators page.
#[derive(Debug, sqlx::FromRow)]
pub struct AdminRow {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<String>,
}

pub async fn admins_of(db: impl PgExecutor<'_>, org_id: Uuid) -> sqlx::Result<Vec<AdminRow>> {
    sqlx::query_as(
        "SELECT p.id, p.email::text AS email, p.first_name, p.last_name, array_agg(r.role ORDER BY r.role) AS roles
         FROM role_assignments r JOIN people p ON p.id = r.person_id
         WHERE r.org_id = $1 GROUP BY p.id ORDER BY p.email",
    )
    .bind(org_id)
    .fetch_all(db)
    .await
}

/// Whether the person holds any role on any org (an admin somewhere).
pub async fn holds_any_role(db: impl PgExecutor<'_>, person_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM role_assignments WHERE person_id = $1)")
        .bind(person_id)
        .fetch_one(db)
        .await
}

/// Whether the person holds `role` on `org`.
pub async fn holds_role_on(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    org_id: Uuid,
    role: Role,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM role_assignments WHERE person_id = $1 AND org_id = $2 AND role = $3)",
    )
    .bind(person_id)
    .bind(org_id)
    .bind(role.as_str())
    .fetch_one(db)
    .await
}

/// Deletes a person who holds no role (their email is free again); answers whether one
/// was deleted.
pub async fn delete_without_roles(db: impl PgExecutor<'_>, person_id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM people p WHERE p.id = $1
           AND NOT EXISTS (SELECT 1 FROM role_assignments r WHERE r.person_id = p.id)",
    )
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
