//! What a billing report counts (SPEC §8): each licence interval billed to the partner,
//! clipped to the report's period and to the billing starts (the customer's delayed
//! start; a sub-partner's own start for its customers), summed in microseconds per row
//! of the report. `domain::billing` holds the same arithmetic in Rust for the tests.

use std::sync::OnceLock;

use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::Pool;
use crate::domain::billing::ReportType;

/// The instants a report covers and what it is billed to.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// The partner (or sub-partner) whose customers are counted.
    pub subject: Uuid,
    pub lo: OffsetDateTime,
    pub hi: OffsetDateTime,
    /// No usage counts before this instant (a sub-partner's billing start).
    pub not_before: Option<OffsetDateTime>,
}

/// An interval's usage within the period: its start and end clipped to the period and to
/// the billing starts. `c` is the customer's org row.
const CLIPPED: &str =
    "greatest(la.started_at, $2, (c.billing_start_date::timestamp AT TIME ZONE 'UTC'), $4)";
const CLIPPED_END: &str = "least(coalesce(la.ended_at, 'infinity'::timestamptz), $3)";

/// The intervals of the subject's customers that overlap the period (index
/// `license_assignments_billed_idx`).
const OVERLAPPING: &str = "la.billed_partner_org_id = $1 AND la.started_at < $3
    AND (la.ended_at IS NULL OR la.ended_at > $2)";

/// How many customers have usage in the period: the progress bar's whole.
pub async fn customer_count(db: impl PgExecutor<'_>, p: &Period) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT count(DISTINCT la.customer_org_id) FROM license_assignments la WHERE {OVERLAPPING}"
    ))
    .bind(p.subject)
    .bind(p.lo)
    .bind(p.hi)
    .fetch_one(db)
    .await
}

/// One row of a report, at the detail its type asks for (columns the type does not
/// have are `None`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UsageRow {
    pub subscription_id: Option<String>,
    pub package: String,
    pub customer_org_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub location_id: Option<Uuid>,
    pub license_id: Option<String>,
    pub subscriber_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub workspace_id: Option<Uuid>,
    pub micros: i64,
    pub first_day: Date,
    pub last_day: Date,
}

/// The statement of a report's rows, written once per type: PARTNER rows are per
/// subscription and package; CUSTOMER rows also per customer, location and licence id;
/// USER rows also per subscriber, user and workspace.
fn rows_sql(detail: ReportType) -> &'static str {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let none_uuid = "NULL::uuid";
    let none_text = "NULL::text";
    let build = || {
        let (customer, external, location, license) = match detail {
            ReportType::Partner => (none_uuid, none_text, none_uuid, none_text),
            _ => (
                "la.customer_org_id",
                "c.external_id",
                "la.held_location_id",
                "la.license_id",
            ),
        };
        let (subscriber, person, workspace) = match detail {
            ReportType::User => (
                "la.held_subscriber_id",
                "la.person_id",
                "la.held_workspace_id",
            ),
            _ => (none_uuid, none_uuid, none_uuid),
        };
        format!(
            "SELECT coalesce(t.subscription_id, $5) AS subscription_id, la.package,
                    {customer} AS customer_org_id, {external} AS external_id,
                    {location} AS location_id, {license} AS license_id,
                    {subscriber} AS subscriber_id, {person} AS person_id, {workspace} AS workspace_id,
                    sum((extract(epoch FROM u.e - u.s) * 1000000)::bigint)::bigint AS micros,
                    (min(u.s) AT TIME ZONE 'UTC')::date AS first_day,
                    ((max(u.e) - interval '1 microsecond') AT TIME ZONE 'UTC')::date AS last_day
             FROM license_assignments la
             JOIN orgs c ON c.id = la.customer_org_id
             LEFT JOIN onboarding_templates t ON t.id = c.template_id
             CROSS JOIN LATERAL (SELECT {CLIPPED} AS s, {CLIPPED_END} AS e) u
             WHERE {OVERLAPPING} AND u.e > u.s
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
             ORDER BY 3 NULLS FIRST, 1 NULLS FIRST, 2, 5 NULLS FIRST, 6 NULLS FIRST, 7 NULLS FIRST, 8 NULLS FIRST, 9 NULLS FIRST"
        )
    };
    let slot = match detail {
        ReportType::Partner => &SQL[0],
        ReportType::Customer => &SQL[1],
        ReportType::User => &SQL[2],
    };
    slot.get_or_init(build)
}

/// The report's rows in the report's order (by customer first), as PostgreSQL sends
/// them: one statement, read as a stream, so a report of any size is never held whole.
/// `subscription` is the subject's own, for customers whose template is gone.
pub fn rows<'a>(
    db: &'a Pool,
    p: &Period,
    detail: ReportType,
    subscription: Option<String>,
) -> impl futures_util::Stream<Item = sqlx::Result<UsageRow>> + 'a {
    sqlx::query_as(rows_sql(detail))
        .bind(p.subject)
        .bind(p.lo)
        .bind(p.hi)
        .bind(p.not_before)
        .bind(subscription)
        .fetch(db)
}

/// A day's usage of one package, in the parts the day sum is made of: `delta` is how
/// many intervals start being held for whole days on this day (negative: stop), `part`
/// the microseconds of intervals held for part of the day. The running sum of `delta`
/// times a day, plus `part`, is the day's usage (`services::billing::daily_series`);
/// reading it this way costs one row per interval, not one per interval and day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DayParts {
    pub day: Date,
    pub package: String,
    pub delta: i64,
    pub part: i64,
}

/// The day parts of the subject's usage in the period, of one customer or of all.
pub async fn day_parts(
    db: impl PgExecutor<'_>,
    p: &Period,
    customer: Option<Uuid>,
) -> sqlx::Result<Vec<DayParts>> {
    let only = if customer.is_some() {
        "AND la.customer_org_id = $5"
    } else {
        "AND $5::uuid IS NULL"
    };
    let us = "(extract(epoch FROM {}) * 1000000)::bigint";
    let micros = |e: &str| us.replace("{}", e);
    let sql = format!(
        "WITH u AS (
             SELECT la.package, {CLIPPED} AS s, {CLIPPED_END} AS e
             FROM license_assignments la JOIN orgs c ON c.id = la.customer_org_id
             WHERE {OVERLAPPING} {only}),
         d AS (
             SELECT package, s, e, (s AT TIME ZONE 'UTC')::date AS d0,
                    ((e - interval '1 microsecond') AT TIME ZONE 'UTC')::date AS d1
             FROM u WHERE e > s),
         parts AS (
             SELECT package, d0 AS day, 0 AS delta, {same} AS part FROM d WHERE d0 = d1
             UNION ALL
             SELECT package, d0, 0, {first} FROM d WHERE d0 < d1
             UNION ALL
             SELECT package, d1, 0, {last} FROM d WHERE d0 < d1
             UNION ALL
             SELECT package, d0 + 1, 1, 0 FROM d WHERE d1 - d0 >= 2
             UNION ALL
             SELECT package, d1, -1, 0 FROM d WHERE d1 - d0 >= 2)
         SELECT day, package, sum(delta)::bigint AS delta, sum(part)::bigint AS part
         FROM parts GROUP BY day, package ORDER BY day, package",
        same = micros("e - s"),
        first = micros("((d0 + 1)::timestamp AT TIME ZONE 'UTC') - s"),
        last = micros("e - (d1::timestamp AT TIME ZONE 'UTC')"),
    );
    sqlx::query_as(&sql)
        .bind(p.subject)
        .bind(p.lo)
        .bind(p.hi)
        .bind(p.not_before)
        .bind(customer)
        .fetch_all(db)
        .await
}

/// The name of `customer` when its usage in the period is billed to the subject; `None`
/// for any other org (the drill-down's 404).
pub async fn customer_name(
    db: impl PgExecutor<'_>,
    p: &Period,
    customer: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(&format!(
        "SELECT c.name FROM orgs c
         WHERE c.id = $4 AND EXISTS (SELECT 1 FROM license_assignments la
                                     WHERE la.customer_org_id = c.id AND {OVERLAPPING})"
    ))
    .bind(p.subject)
    .bind(p.lo)
    .bind(p.hi)
    .bind(customer)
    .fetch_optional(db)
    .await
}

/// Each customer's usage per package in the period, largest first: the report page's
/// table, from which one customer's chart is opened.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerUsage {
    pub customer_org_id: Uuid,
    pub name: String,
    pub package: String,
    pub micros: i64,
}

pub async fn by_customer(
    db: impl PgExecutor<'_>,
    p: &Period,
    limit: i64,
) -> sqlx::Result<Vec<CustomerUsage>> {
    sqlx::query_as(&format!(
        "WITH u AS (
             SELECT la.customer_org_id, la.package,
                    sum((extract(epoch FROM {CLIPPED_END} - {CLIPPED}) * 1000000)::bigint)::bigint AS micros
             FROM license_assignments la JOIN orgs c ON c.id = la.customer_org_id
             WHERE {OVERLAPPING} AND {CLIPPED_END} > {CLIPPED}
             GROUP BY 1, 2),
         top AS (
             SELECT customer_org_id FROM u GROUP BY 1 ORDER BY sum(micros) DESC, 1 LIMIT $5)
         SELECT u.customer_org_id, c.name, u.package, u.micros
         FROM u JOIN top USING (customer_org_id) JOIN orgs c ON c.id = u.customer_org_id
         ORDER BY sum(u.micros) OVER (PARTITION BY u.customer_org_id) DESC, u.customer_org_id, u.package"
    ))
    .bind(p.subject)
    .bind(p.lo)
    .bind(p.hi)
    .bind(p.not_before)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The report's subject as its rows name it, with what clips its usage.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Subject {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    /// A sub-partner's billing start (its own date, else the day it was created).
    pub billing_start: Option<Date>,
    /// The subscription of customers whose template is gone: a sub-partner's shared
    /// one, else the partner's first.
    pub subscription_id: Option<String>,
}

pub async fn subject(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Subject>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind,
                CASE WHEN o.kind = 'sub_partner'
                     THEN coalesce(o.billing_start_date, (o.created_at AT TIME ZONE 'UTC')::date) END AS billing_start,
                coalesce(o.shared_subscription_id,
                         (SELECT s.id FROM wholesale_subscriptions s
                          WHERE s.partner_org_id = coalesce(CASE WHEN o.kind = 'sub_partner' THEN o.parent_org_id END, o.id)
                          ORDER BY s.created_at, s.id LIMIT 1)) AS subscription_id
         FROM orgs o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
