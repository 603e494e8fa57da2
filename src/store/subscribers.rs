//! Wholesale users (`subscribers`): a person of a customer holding one package, and the
//! licence whose interval billing counts (SPEC §5, §8). What Control Hub lists is
//! `users`.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::PartnerOrgId;

/// A user the provisioning job adds to its customer.
pub struct NewSubscriber<'a> {
    pub person_id: Uuid,
    pub package: &'a str,
    /// The calling location, for a calling package.
    pub location_id: Option<Uuid>,
    pub extension: Option<&'a str>,
    pub primary_phone_number: Option<&'a str>,
}

/// Adds a provisioned user with its package, and opens the licence billing counts from
/// `now` (SPEC §5: provisioning a package starts billing for it). The kept count of the
/// customer's users follows by trigger (migration 0012). (Worker side: the org id is
/// the job's.)
pub async fn insert_provisioned(
    conn: &mut PgConnection,
    org_id: Uuid,
    s: &NewSubscriber<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO subscribers (id, person_id, customer_org_id, package, status, location_id, extension,
                                  primary_phone_number, created_at, last_status_change)
         VALUES ($1, $2, $3, $4, 'provisioned', $5, $6, $7, $8, $8)",
    )
    .bind(id)
    .bind(s.person_id)
    .bind(org_id)
    .bind(s.package)
    .bind(s.location_id)
    .bind(s.extension)
    .bind(s.primary_phone_number)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    open_licence(conn, id, now).await?;
    Ok(id)
}

/// A user of `insert_provisioned_many`: a package without calling (no location or
/// number), with the CSV's extras.
pub struct NewPlainSubscriber<'a> {
    pub id: Uuid,
    pub person_id: Uuid,
    pub package: &'a str,
    pub basic_services: &'a [String],
    pub preferred_site: Option<&'a str>,
    pub jabber_calling: bool,
    pub jabber_teams: bool,
}

/// `insert_provisioned` for many users of one customer in two statements: the users, then
/// their licences, each opened at `now` as one at a time would be.
pub async fn insert_provisioned_many(
    conn: &mut PgConnection,
    org_id: Uuid,
    users: &[NewPlainSubscriber<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    // A text[] per user cannot travel in one UNNEST column (arrays of arrays flatten):
    // each list goes as one comma-joined string (service ids hold no comma).
    let basic: Vec<String> = users.iter().map(|u| u.basic_services.join(",")).collect();
    sqlx::query(
        "INSERT INTO subscribers (id, person_id, customer_org_id, package, status, created_at, last_status_change,
                                  basic_services, preferred_site, jabber_calling, jabber_teams)
         SELECT id, person_id, $1, package, 'provisioned', $2, $2,
                coalesce(string_to_array(nullif(basic, ''), ','), '{}'), preferred_site, jabber_calling, jabber_teams
         FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::bool[])
              AS n (id, person_id, package, basic, preferred_site, jabber_calling, jabber_teams)",
    )
    .bind(org_id)
    .bind(now)
    .bind(users.iter().map(|u| u.id).collect::<Vec<_>>())
    .bind(users.iter().map(|u| u.person_id).collect::<Vec<_>>())
    .bind(users.iter().map(|u| u.package).collect::<Vec<_>>())
    .bind(basic)
    .bind(users.iter().map(|u| u.preferred_site).collect::<Vec<_>>())
    .bind(users.iter().map(|u| u.jabber_calling).collect::<Vec<_>>())
    .bind(users.iter().map(|u| u.jabber_teams).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let licences: Vec<Uuid> = users.iter().map(|_| Uuid::new_v4()).collect();
    let licence_ids: Vec<String> = users.iter().map(|_| licence_id()).collect();
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, subscriber_id, location_id, package, license_id,
                                          started_at, person_id, email)
         SELECT n.id, s.customer_org_id, s.id, s.location_id, s.package, n.license_id, $1, s.person_id, p.email::text
         FROM UNNEST($2::uuid[], $3::uuid[], $4::text[]) AS n (subscriber_id, id, license_id)
         JOIN subscribers s ON s.id = n.subscriber_id
         JOIN people p ON p.id = s.person_id",
    )
    .bind(now)
    .bind(ids)
    .bind(licences)
    .bind(licence_ids)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A new licence's id, as the vendor shows it.
fn licence_id() -> String {
    format!("lic-{}", Uuid::new_v4().simple())
}

/// Opens the licence of a user's current package and location from `now`: one row of
/// the append-only history billing reads (migration 0017), naming who holds it.
async fn open_licence(
    conn: &mut PgConnection,
    subscriber: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, subscriber_id, location_id, package, license_id,
                                          started_at, person_id, email)
         SELECT $1, s.customer_org_id, s.id, s.location_id, s.package, $2, $3, s.person_id, p.email::text
         FROM subscribers s JOIN people p ON p.id = s.person_id WHERE s.id = $4",
    )
    .bind(Uuid::new_v4())
    .bind(licence_id())
    .bind(now)
    .bind(subscriber)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends the user's open licence at `now` (billing for it stops).
async fn close_licence(
    conn: &mut PgConnection,
    subscriber: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE license_assignments SET ended_at = greatest($2, started_at)
         WHERE subscriber_id = $1 AND ended_at IS NULL",
    )
    .bind(subscriber)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A user as the service changes it, locked until the transaction ends.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Held {
    pub id: Uuid,
    pub person_id: Uuid,
    pub customer_org_id: Uuid,
    pub package: String,
    pub status: String,
    pub location_id: Option<Uuid>,
    pub primary_phone_number: Option<String>,
    pub extension: Option<String>,
}

/// The user `id` of customer `org`, locked for a change.
pub async fn lock(conn: &mut PgConnection, org: Uuid, id: Uuid) -> sqlx::Result<Option<Held>> {
    sqlx::query_as(
        "SELECT id, person_id, customer_org_id, package, status, location_id, primary_phone_number, extension
         FROM subscribers WHERE id = $1 AND customer_org_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(&mut *conn)
    .await
}

/// What a change sets on a user.
pub struct Changed<'a> {
    pub package: &'a str,
    pub location_id: Option<Uuid>,
    pub primary_phone_number: Option<&'a str>,
    pub extension: Option<&'a str>,
}

/// Changes a user's package, location or numbers. A new package or location ends the
/// open licence and opens the next one at the same instant, so the history has no gap
/// and no overlap.
pub async fn change(
    conn: &mut PgConnection,
    held: &Held,
    to: &Changed<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscribers SET package = $2, location_id = $3, primary_phone_number = $4, extension = $5,
                last_status_change = CASE WHEN package = $2 THEN last_status_change ELSE $6 END
         WHERE id = $1",
    )
    .bind(held.id)
    .bind(to.package)
    .bind(to.location_id)
    .bind(to.primary_phone_number)
    .bind(to.extension)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if held.package != to.package || held.location_id != to.location_id {
        close_licence(conn, held.id, now).await?;
        open_licence(conn, held.id, now).await?;
    }
    Ok(())
}

/// Removes a user's wholesale package: the licence ends now and the user row goes (the
/// history keeps who held it).
pub async fn remove(conn: &mut PgConnection, held: &Held, now: OffsetDateTime) -> sqlx::Result<()> {
    close_licence(conn, held.id, now).await?;
    sqlx::query("DELETE FROM subscribers WHERE id = $1")
        .bind(held.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A user as the subscribers API shows it.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiSubscriberRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub email: String,
    pub customer_org_id: Uuid,
    pub external_customer_id: Option<String>,
    pub package: String,
    pub status: String,
    pub errors: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub last_status_change: OffsetDateTime,
}

/// The API list's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiOrder {
    Created,
    LastStatusChange,
}

/// The API list's filters; every one that is set must match. Times compare at the
/// milliseconds the API shows, so `after=<a subscriber's created>` leaves that one out.
#[derive(Debug)]
pub struct ApiSubscriberFilter<'a> {
    pub customer_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub external_customer_id: Option<&'a str>,
    pub email: Option<&'a str>,
    pub status: Option<&'a str>,
    pub created_after: Option<OffsetDateTime>,
    pub status_changed_after: Option<OffsetDateTime>,
    pub order: ApiOrder,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

const API_COLUMNS: &str = "s.id, s.person_id, p.email::text AS email, s.customer_org_id,
     o.external_id AS external_customer_id, s.package, s.status, s.errors, s.created_at, s.last_status_change";

/// The users of the (sub-)partner's customers, filtered and paged.
pub async fn api_page(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    f: &ApiSubscriberFilter<'_>,
) -> sqlx::Result<Vec<ApiSubscriberRow>> {
    let column = match f.order {
        ApiOrder::Created => "s.created_at",
        ApiOrder::LastStatusChange => "s.last_status_change",
    };
    let dir = if f.descending { "DESC" } else { "ASC" };
    sqlx::query_as(&format!(
        "SELECT {API_COLUMNS}
         FROM subscribers s JOIN orgs o ON o.id = s.customer_org_id JOIN people p ON p.id = s.person_id
         WHERE o.onboarded_by = $1 AND o.deleted_at IS NULL
           AND ($2::uuid IS NULL OR s.customer_org_id = $2)
           AND ($3::uuid IS NULL OR s.person_id = $3)
           AND ($4::text IS NULL OR o.external_id = $4)
           AND ($5::citext IS NULL OR p.email = $5::citext)
           AND ($6::text IS NULL OR s.status = $6)
           AND ($7::timestamptz IS NULL OR date_trunc('milliseconds', s.created_at) > $7)
           AND ($8::timestamptz IS NULL OR date_trunc('milliseconds', s.last_status_change) > $8)
         ORDER BY {column} {dir}, s.id {dir}
         OFFSET $9 LIMIT $10"
    ))
    .bind(partner.id())
    .bind(f.customer_id)
    .bind(f.person_id)
    .bind(f.external_customer_id)
    .bind(f.email)
    .bind(f.status)
    .bind(f.created_after)
    .bind(f.status_changed_after)
    .bind(f.offset)
    .bind(f.limit)
    .fetch_all(db)
    .await
}

/// One user of the (sub-)partner's customers.
pub async fn api_one(
    db: impl PgExecutor<'_>,
    partner: PartnerOrgId,
    id: Uuid,
) -> sqlx::Result<Option<ApiSubscriberRow>> {
    sqlx::query_as(&format!(
        "SELECT {API_COLUMNS}
         FROM subscribers s JOIN orgs o ON o.id = s.customer_org_id JOIN people p ON p.id = s.person_id
         WHERE s.id = $2 AND o.onboarded_by = $1 AND o.deleted_at IS NULL"
    ))
    .bind(partner.id())
    .bind(id)
    .fetch_optional(db)
    .await
}

/// What the rules for adding a user to a customer need to know about it.
#[derive(Debug, sqlx::FromRow)]
pub struct CustomerFacts {
    pub name: String,
    pub status: Option<String>,
    pub country: Option<String>,
    /// Wholesale attached to an org that existed before (SPEC §4.5).
    pub attached: bool,
    pub brand: Option<String>,
    /// The managing partner's support address (its branding, SPEC §12).
    pub support_url: Option<String>,
    /// Whether the customer already has a full administrator.
    pub has_full_admin: bool,
    /// Read in a shared turn (`OrgTurn::Shared`): the add counts no seat.
    #[sqlx(skip)]
    pub shared: bool,
}

/// The select of `CustomerFacts`, without its lock (a macro, so that each lock's
/// statement is one literal).
macro_rules! facts_sql {
    () => {
        "SELECT o.name, o.status, o.country::text AS country, o.attached, t.email_brand_name AS brand,
                (SELECT b.support_url FROM partner_branding b WHERE b.org_id = o.onboarded_by) AS support_url,
                EXISTS (SELECT 1 FROM role_assignments r WHERE r.org_id = o.id AND r.role = 'customer_full_admin')
                  AS has_full_admin
         FROM orgs o LEFT JOIN onboarding_templates t ON t.id = o.template_id
         WHERE o.id = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL"
    };
}

/// How an add holds the customer's row while it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgTurn {
    /// Alone (`FOR UPDATE`): users added at the same moment see each other, so the first
    /// user becomes the full admin once, a limited package's seats are counted with every
    /// earlier add committed, and a number is checked against every other add's.
    Exclusive,
    /// Beside other shared adds (`FOR SHARE`), for adds that need none of that: the org
    /// cannot change status or be deleted meanwhile, and an exclusive add waits for them.
    Shared,
}

/// The customer's facts, with its row locked for the `turn` asked.
pub async fn customer_facts(
    conn: &mut PgConnection,
    org: Uuid,
) -> sqlx::Result<Option<CustomerFacts>> {
    customer_facts_in_turn(conn, org, OrgTurn::Exclusive).await
}

pub async fn customer_facts_in_turn(
    conn: &mut PgConnection,
    org: Uuid,
    turn: OrgTurn,
) -> sqlx::Result<Option<CustomerFacts>> {
    // The facts are read by a statement after the one that waited for the lock: one that
    // waits for a row lock sees what its own start saw (an exclusive add waiting for
    // another's commit read "no full admin yet" and made a second one). A shared add
    // that reads "no full admin" stale only takes the exclusive turn (`add_batch`).
    let sql = match turn {
        OrgTurn::Exclusive => {
            sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE")
                .bind(org)
                .execute(&mut *conn)
                .await?;
            facts_sql!()
        }
        OrgTurn::Shared => concat!(facts_sql!(), " FOR SHARE OF o"),
    };
    let facts: Option<CustomerFacts> = sqlx::query_as(sql)
        .bind(org)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(facts.map(|f| CustomerFacts {
        shared: turn == OrgTurn::Shared,
        ..f
    }))
}

/// The customer's locations (id, name), for picking a calling user's location.
pub async fn location_ids(conn: &mut PgConnection, org: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM locations WHERE org_id = $1 ORDER BY is_headquarters DESC, name, id",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await
}

/// Whether the customer holds `package` (any status but being removed).
pub async fn customer_holds(
    conn: &mut PgConnection,
    org: Uuid,
    package: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM customer_packages WHERE org_id = $1 AND package = $2 AND status <> 'deleting')",
    )
    .bind(org)
    .bind(package)
    .fetch_one(&mut *conn)
    .await
}

/// The package a person holds as a wholesale user, if they are one.
pub async fn package_of(conn: &mut PgConnection, person_id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT package FROM subscribers WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Who may keep a number while it is checked: the user or workspace being changed.
#[derive(Clone, Copy, Debug, Default)]
pub struct NumberHolder {
    pub user: Option<Uuid>,
    pub workspace: Option<Uuid>,
}

/// Whether the phone number is held by any other user or workspace of the installation,
/// and whether the extension is held by another of the customer's (users and workspaces
/// share one numbering).
pub async fn numbers_taken(
    conn: &mut PgConnection,
    org: Uuid,
    except: NumberHolder,
    phone: Option<&str>,
    extension: Option<&str>,
) -> sqlx::Result<(bool, bool)> {
    sqlx::query_as(
        "SELECT
           EXISTS (SELECT 1 FROM subscribers WHERE primary_phone_number = $1 AND id IS DISTINCT FROM $4)
             OR EXISTS (SELECT 1 FROM workspaces WHERE phone_number = $1 AND id IS DISTINCT FROM $5),
           EXISTS (SELECT 1 FROM subscribers WHERE customer_org_id = $3 AND extension = $2 AND id IS DISTINCT FROM $4)
             OR EXISTS (SELECT 1 FROM workspaces WHERE org_id = $3 AND extension = $2 AND id IS DISTINCT FROM $5)",
    )
    .bind(phone)
    .bind(extension)
    .bind(org)
    .bind(except.user)
    .bind(except.workspace)
    .fetch_one(&mut *conn)
    .await
}

/// The subscriber a person is, if any.
pub async fn id_of_person(conn: &mut PgConnection, person_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM subscribers WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await
}
