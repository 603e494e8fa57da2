//! A customer's people as Control Hub shows them (SPEC §5): wholesale users and admins,
//! searched, filtered and paged; one user's detail and package history; names and admin
//! roles. (A customer's packages with their seats are `customers::packages`.)

use crate::db::Pool;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenancy::scope::CustomerOrgId;

/// Users per page of the list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub package: Option<String>,
    pub status: Option<String>,
    pub roles: Vec<String>,
    /// Invited (an administrator who has not chosen their password yet).
    pub invited: bool,
    /// The total of users the filters match, on every row.
    pub total: i64,
}

/// The list's filters; every one set must match.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Part of a name or email, any case.
    pub search: Option<String>,
    /// A package id, or `none` for people without one (admins only).
    pub package: Option<String>,
    pub status: Option<String>,
    /// Only people holding a wholesale package: what a partner with a provisioning
    /// admin's rights sees of an attached org (SPEC §4.5).
    pub wholesale_only: bool,
}

/// What a page reads of each person: all in the list's index (migration 0020).
const COLUMNS: &str = "p.id, p.email, p.first_name, p.last_name, p.sort_last, p.sort_first";

/// One page of the customer's people, by last name, first name and email (any case),
/// with the total the filters match, in one statement. The page's people are read in
/// the index's order (migration 0020: an index-only walk on stored keys) and only its 50
/// rows get their package, roles and invitation looked up; without filters the total
/// is the kept count, and `people` (the org's people as the caller last read them)
/// says from which end the page is nearer. Only the filters in use are in the SQL. The list without filters,
/// the one every visit opens, is a prepared statement whose one plan walks the index for
/// any org (`one_plan_db`: `db::connect_generic_plans_lazy`); a filtered list is planned with its own values each time (an unnamed
/// statement), as how many people a search matches decides its best plan.
pub async fn page(
    db: &Pool,
    one_plan_db: &Pool,
    customer: CustomerOrgId,
    f: &UserFilter,
    page_no: i64,
    people: i64,
) -> sqlx::Result<Vec<UserRow>> {
    let pattern = f.search.as_deref().map(|s| {
        format!(
            "%{}%",
            s.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let mut filters = String::new();
    if pattern.is_some() {
        filters.push_str(
            " AND lower(p.first_name || ' ' || p.last_name || ' ' || p.email::text) LIKE $4",
        );
    }
    match f.package.as_deref() {
        Some("none") => filters
            .push_str(" AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.person_id = p.id)"),
        Some(_) => filters.push_str(
            " AND EXISTS (SELECT 1 FROM subscribers s WHERE s.person_id = p.id AND s.package = $5)",
        ),
        None => {}
    }
    if f.wholesale_only {
        filters.push_str(" AND EXISTS (SELECT 1 FROM subscribers s WHERE s.person_id = p.id)");
    }
    if f.status.is_some() {
        filters.push_str(
            " AND EXISTS (SELECT 1 FROM subscribers s WHERE s.person_id = p.id AND s.status = $6)",
        );
    }
    // Without filters the total is the kept count. With them, the matching rows are
    // counted by the same scan that pages them (a window over the matches, before the
    // limit): a second scan for the count cost a search three times the page's own work,
    // most of it in planning the two (measured: 3.5 ms against 0.7 ms at 5,000 users).
    let kept = "(SELECT coalesce(max(n), 0) FROM people_counts WHERE org_id = $1)";
    let total = if filters.is_empty() { kept } else { "pg.total" };
    let offset = (page_no.max(1) - 1) * PAGE_SIZE;
    let ids = if filters.is_empty() && offset * 2 >= people {
        // A page in the second half is walked from the end backwards, so the last page
        // costs what the first does. `people` only chooses the end: where the page
        // starts is counted from the kept count read with the walk.
        format!(
            "SELECT {COLUMNS} FROM people p WHERE p.org_id = $1
             ORDER BY p.sort_last DESC, p.sort_first DESC, p.email DESC, p.id DESC
             OFFSET greatest({kept} - $2 - $3, 0) LIMIT greatest(least($3, {kept} - $2), 0)"
        )
    } else if filters.is_empty() {
        format!(
            "SELECT {COLUMNS} FROM people p WHERE p.org_id = $1
             ORDER BY p.sort_last, p.sort_first, p.email, p.id OFFSET $2 LIMIT $3"
        )
    } else {
        format!(
            "SELECT {COLUMNS}, count(*) OVER () AS total FROM people p WHERE p.org_id = $1{filters}
             ORDER BY p.sort_last, p.sort_first, p.email, p.id OFFSET $2 LIMIT $3"
        )
    };
    let sql = format!(
        "SELECT pg.id, pg.email::text AS email, pg.first_name, pg.last_name, s.package, s.status,
                coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_assignments r
                          WHERE r.person_id = pg.id AND r.org_id = $1), '{{}}') AS roles,
                i.invited IS NOT NULL AS invited,
                {total} AS total
         FROM ({ids}) pg
         LEFT JOIN subscribers s ON s.person_id = pg.id
         -- A probe per person of the page (as a plain EXISTS, a plan made for any org
         -- hashed the whole invitations table on every view); the person's row is read
         -- only for someone invited, to see they have not chosen a password yet.
         LEFT JOIN LATERAL (SELECT true AS invited FROM invitations i
                            JOIN people q ON q.id = i.person_id AND q.password_hash IS NULL
                            WHERE i.person_id = pg.id LIMIT 1) i ON true
         ORDER BY pg.sort_last, pg.sort_first, pg.email, pg.id"
    );
    let unfiltered = filters.is_empty();
    sqlx::query_as(&sql)
        .persistent(unfiltered)
        .bind(customer.id())
        .bind(offset)
        .bind(PAGE_SIZE)
        .bind(pattern.unwrap_or_default())
        .bind(f.package.clone().unwrap_or_default())
        .bind(f.status.clone().unwrap_or_default())
        // With its offset and limit as parameters, a plan made for any org looks costlier
        // than one made for this org's numbers, and PostgreSQL's own choice would plan
        // the statement afresh on every view: the pool that keeps one plan runs it.
        .fetch_all(if unfiltered { one_plan_db } else { db })
        .await
}

/// One person of the customer, with their package.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserDetail {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: Option<String>,
    pub subscriber_id: Option<Uuid>,
    pub package: Option<String>,
    pub status: Option<String>,
    pub location_id: Option<Uuid>,
    pub location: Option<String>,
    pub primary_phone_number: Option<String>,
    pub extension: Option<String>,
    pub roles: Vec<String>,
    pub created_at: OffsetDateTime,
}

pub async fn detail(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    person: Uuid,
) -> sqlx::Result<Option<UserDetail>> {
    sqlx::query_as(
        "SELECT p.id, p.email::text AS email, p.first_name, p.last_name, p.display_name,
                s.id AS subscriber_id, s.package, s.status, s.location_id, l.name AS location,
                s.primary_phone_number, s.extension,
                coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_assignments r
                          WHERE r.person_id = p.id AND r.org_id = p.org_id), '{}') AS roles,
                p.created_at
         FROM people p
         LEFT JOIN subscribers s ON s.person_id = p.id
         LEFT JOIN locations l ON l.id = s.location_id
         WHERE p.org_id = $1 AND p.id = $2",
    )
    .bind(customer.id())
    .bind(person)
    .fetch_optional(db)
    .await
}

/// One interval of a user's package history.
#[derive(Debug, sqlx::FromRow)]
pub struct HistoryRow {
    pub package: String,
    pub location: Option<String>,
    pub license_id: Option<String>,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

/// Every licence interval the person held in this customer, newest first.
pub async fn history(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
    person: Uuid,
) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT la.package, l.name AS location, la.license_id, la.started_at, la.ended_at
         FROM license_assignments la LEFT JOIN locations l ON l.id = la.location_id
         WHERE la.customer_org_id = $1 AND la.person_id = $2
         ORDER BY la.started_at DESC, la.ended_at DESC NULLS FIRST",
    )
    .bind(customer.id())
    .bind(person)
    .fetch_all(db)
    .await
}

/// The customer's locations (id, name), headquarters first.
pub async fn location_choices(
    db: impl PgExecutor<'_>,
    customer: CustomerOrgId,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT id, name FROM locations WHERE org_id = $1 ORDER BY is_headquarters DESC, name, id",
    )
    .bind(customer.id())
    .fetch_all(db)
    .await
}

/// Names and primary email of a person of the customer.
pub async fn set_names(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    person: Uuid,
    names: &Names<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE people SET first_name = $3, last_name = $4, display_name = $5, email = $6, updated_at = $7
         WHERE org_id = $1 AND id = $2",
    )
    .bind(customer.id())
    .bind(person)
    .bind(names.first_name)
    .bind(names.last_name)
    .bind(names.display_name)
    .bind(names.email)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Names<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: Option<&'a str>,
    pub email: &'a str,
}

/// Whether another person (not `except`) has this email, anywhere.
pub async fn email_taken(conn: &mut PgConnection, email: &str, except: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM people WHERE email = $1::citext AND id <> $2)")
        .bind(email)
        .bind(except)
        .fetch_one(&mut *conn)
        .await
}

/// Replaces the person's customer admin role on the customer with `role` (or none).
pub async fn set_admin_role(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    person: Uuid,
    role: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM role_assignments WHERE person_id = $1 AND org_id = $2
           AND role IN ('customer_full_admin', 'customer_readonly_admin')",
    )
    .bind(person)
    .bind(customer.id())
    .execute(&mut *conn)
    .await?;
    if let Some(role) = role {
        sqlx::query("INSERT INTO role_assignments (person_id, org_id, role) VALUES ($1, $2, $3)")
            .bind(person)
            .bind(customer.id())
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The customer's full admins other than `except`.
pub async fn other_full_admins(
    conn: &mut PgConnection,
    customer: CustomerOrgId,
    except: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM role_assignments WHERE org_id = $1 AND role = 'customer_full_admin' AND person_id <> $2",
    )
    .bind(customer.id())
    .bind(except)
    .fetch_one(&mut *conn)
    .await
}
