//! The customers list of a (sub-)partner: one page of it, its total, and every row of it
//! for the CSV export, under the same filters, search and order (SPEC §4.4; must stay
//! fast at 100,000 customers).

use crate::db::Pool;
use sqlx::{Postgres, QueryBuilder};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use crate::domain::customer_list::{CustomerFilter, PageAt};
use crate::domain::customer_list::{Search, Sort, SortColumn};
use crate::tenancy::scope::PartnerOrgId;

#[derive(Debug, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: Uuid,
    pub name: String,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub country: Option<String>,
    pub template_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub users: i64,
}

/// Only the status (or nothing) is asked for: the total is the kept counters' sum.
fn counted_by_status(f: &CustomerFilter) -> bool {
    f.search.is_none() && f.country.is_none() && f.template.is_none() && f.package.is_none()
}

/// One page of the list, its total, and the partner's templates (for the template
/// filter), which ride along with the page so the page stays at its statements.
#[derive(Debug, Default)]
pub struct ListPage {
    pub rows: Vec<CustomerRow>,
    pub total: i64,
    /// (id, name), by name.
    pub templates: Vec<(Uuid, String)>,
}

/// One page of the customers a (sub-)partner onboarded, in display order, plus the total
/// that matches. A first page, or a page next to a cursor, is one statement; a jump to a
/// page number first reads the total, then reads the page from whichever end is nearer.
pub async fn list(
    db: &Pool,
    partner: PartnerOrgId,
    f: &CustomerFilter,
    at: PageAt,
    limit: i64,
) -> sqlx::Result<ListPage> {
    let read = |cursor, backwards, offset| Page {
        partner,
        f,
        cursor,
        from_mark: false,
        backwards,
        offset,
    };
    let (page, with_total) = match at {
        PageAt::Number(n) if n <= 1 => (read(None, false, 0), true),
        PageAt::After(id) => (read(Some(id), false, 0), true),
        PageAt::Before(id) => (read(Some(id), true, 0), true),
        PageAt::Number(n) => {
            let offset = (n - 1).saturating_mul(limit);
            // Deep in a list the marks can tell: the mark at or before the offset.
            let mark_at = marks_key(f)
                .filter(|_| offset >= MARK_STRIDE)
                .map(|key| (key, offset / MARK_STRIDE));
            let (total, templates, mark) = count(db, partner, f, mark_at.as_ref()).await?;
            if offset >= total {
                return Ok(ListPage {
                    total,
                    rows: vec![],
                    templates,
                });
            }
            if let Some(mark) = mark {
                let within = offset % MARK_STRIDE;
                let mut page = Page {
                    from_mark: true,
                    ..read(Some(mark), false, within)
                }
                .fetch(db, limit, false)
                .await?;
                // A mark whose customer is gone entirely (never soft-deleted, so the
                // total did not tell): read the page as if there were no marks.
                if !page.rows.is_empty() {
                    page.total = total;
                    page.templates = templates;
                    return Ok(page);
                }
            }
            if let Some((key, _)) = mark_at {
                refresh_marks_soon(db, partner, f, key);
            }
            // Past the middle, the page is `total - offset - limit` rows from the end.
            let from_end = total - offset - limit;
            let mut page = if offset > total / 2 {
                read(None, true, from_end.max(0))
                    .fetch(db, limit + from_end.min(0), false)
                    .await?
            } else {
                read(None, false, offset).fetch(db, limit, false).await?
            };
            page.total = total;
            page.templates = templates;
            return Ok(page);
        }
    };
    let mut page_read = page.fetch(db, limit, with_total).await?;
    if page_read.rows.is_empty() {
        (page_read.total, page_read.templates, _) = count(db, partner, f, None).await?;
    }
    Ok(page_read)
}

/// The parameters of one page read.
struct Page<'q> {
    partner: PartnerOrgId,
    f: &'q CustomerFilter,
    /// Rows strictly after (forwards) or before (backwards) this customer.
    cursor: Option<Uuid>,
    /// The cursor is a mark (`customer_list_marks`): its own row is the page's first.
    from_mark: bool,
    backwards: bool,
    offset: i64,
}

impl Page<'_> {
    /// The rows in display order, the total when asked for (and any row came back), and
    /// the partner's templates.
    async fn fetch(&self, db: &Pool, limit: i64, with_total: bool) -> sqlx::Result<ListPage> {
        let f = self.f;
        let order = order_by(f.sort, self.backwards);
        let mut q = QueryBuilder::new("");
        // A search's matches are found once, for the page and the total alike.
        let hits = push_hits(&mut q, self.partner, f);
        q.push(
            "SELECT o.id, o.name, o.external_id, o.status, o.country::text AS country, o.created_at,
                    t.name AS template_name, coalesce(u.n, 0) AS users, ",
        );
        if with_total {
            push_total(&mut q, self.partner, f, hits);
        } else {
            q.push("NULL::bigint");
        }
        // The template filter's choices, on one row only (a window over the page's
        // few rows; the subqueries run once).
        q.push(" AS total, ");
        if with_total {
            q.push("CASE WHEN row_number() OVER () = 1 THEN ");
            push_templates_column(&mut q, self.partner, "id");
            q.push(" END AS template_ids, CASE WHEN row_number() OVER () = 1 THEN ");
            push_templates_column(&mut q, self.partner, "name");
            q.push(" END AS template_names");
        } else {
            q.push("NULL::uuid[] AS template_ids, NULL::text[] AS template_names");
        }
        // The page is found on ids alone (an index-only scan where the filters allow);
        // only its rows are then read, with their users from the kept counter.
        q.push(" FROM orgs o JOIN (SELECT o.id FROM ");
        push_matches(&mut q, self.partner, f, hits);
        if let Some(cursor) = self.cursor {
            let after = f.sort.descending == self.backwards;
            let op = match (after, self.from_mark) {
                (true, false) => ">",
                (true, true) => ">=",
                (false, false) => "<",
                (false, true) => "<=",
            };
            q.push(format_args!(
                " AND ({}) {op} (SELECT {} FROM orgs k WHERE k.id = ",
                key_columns(f.sort.column, "o").join(", "),
                key_columns(f.sort.column, "k").join(", "),
            ))
            .push_bind(cursor)
            .push(" AND k.onboarded_by = ")
            .push_bind(self.partner.id())
            .push(")");
        }
        // Numbers in the SQL, not parameters: the plan is made once per statement
        // (`db::connect_generic_plans_lazy`) and must know it reads a few rows.
        q.push(format_args!(
            " ORDER BY {order} OFFSET {} LIMIT {}",
            self.offset.max(0),
            limit.max(0)
        ));
        // Users per row from the kept counter (migration 0012), not a count per row.
        q.push(format_args!(
            ") page ON page.id = o.id LEFT JOIN subscriber_counts u ON u.org_id = o.id
             LEFT JOIN onboarding_templates t ON t.id = o.template_id ORDER BY {order}"
        ));
        let rows: Vec<PageRow> = q.build_query_as().fetch_all(db).await?;
        let total = rows.first().and_then(|r| r.total).unwrap_or(0);
        let templates = rows
            .iter()
            .find_map(|r| r.template_ids.as_ref().zip(r.template_names.as_ref()))
            .map(|(ids, names)| ids.iter().copied().zip(names.iter().cloned()).collect())
            .unwrap_or_default();
        let mut rows: Vec<CustomerRow> = rows.into_iter().map(|r| r.row).collect();
        if self.backwards {
            rows.reverse();
        }
        Ok(ListPage {
            rows,
            total,
            templates,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    row: CustomerRow,
    total: Option<i64>,
    template_ids: Option<Vec<Uuid>>,
    template_names: Option<Vec<String>>,
}

/// The sort key of a row `alias`, unique thanks to the id; the expressions of the
/// indexes of migrations 0004, 0006 and 0014.
fn key_columns(column: SortColumn, a: &str) -> Vec<String> {
    let first = match column {
        SortColumn::Name => None,
        SortColumn::Status => Some(format!("coalesce({a}.status, '')")),
        SortColumn::Country => Some(format!("coalesce({a}.country::text, '')")),
        SortColumn::Created => Some(format!("{a}.created_at")),
    };
    let by_name = (column != SortColumn::Created).then(|| format!("lower({a}.name)"));
    first
        .into_iter()
        .chain(by_name)
        .chain([format!("{a}.id")])
        .collect()
}

/// `ORDER BY` of the list read forwards, or backwards (to find rows before a cursor or
/// near the end of the list, then shown in forward order).
fn order_by(sort: Sort, backwards: bool) -> String {
    let keys = key_columns(sort.column, "o");
    if sort.descending == backwards {
        keys.join(", ")
    } else {
        keys.iter()
            .map(|k| format!("{k} DESC"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How many customers match the filter, with the partner's templates: what a page
/// needs besides its rows, in one statement (for a jump, and for a page with no row).
/// With `mark_at` (a marks key and a mark's index from 0), also that mark's customer
/// when the marks are still good: made at this very total, and fresh.
async fn count(
    db: &Pool,
    partner: PartnerOrgId,
    f: &CustomerFilter,
    mark_at: Option<&(String, i64)>,
) -> sqlx::Result<(i64, Vec<(Uuid, String)>, Option<Uuid>)> {
    let mut q = QueryBuilder::new("");
    let hits = push_hits(&mut q, partner, f);
    q.push("SELECT t.n AS total, ");
    push_templates(&mut q, partner);
    match mark_at {
        Some((key, index)) => {
            q.push(", (SELECT m.ids[")
                .push_bind(index + 1)
                .push("] FROM customer_list_marks m WHERE m.partner_org_id = ")
                .push_bind(partner.id())
                .push(" AND m.list_key = ")
                .push_bind(key.clone())
                .push(format_args!(
                    " AND m.total = t.n AND m.computed_at > now() - interval '{MARKS_FRESH_SECONDS} seconds') AS mark"
                ));
        }
        None => {
            q.push(", NULL::uuid AS mark");
        }
    }
    q.push(" FROM (SELECT ");
    push_total(&mut q, partner, f, hits);
    q.push(" AS n) t");
    let row: CountRow = q.build_query_as().fetch_one(db).await?;
    let templates = row
        .template_ids
        .unwrap_or_default()
        .into_iter()
        .zip(row.template_names.unwrap_or_default())
        .collect();
    Ok((row.total, templates, row.mark))
}

#[derive(sqlx::FromRow)]
struct CountRow {
    total: i64,
    template_ids: Option<Vec<Uuid>>,
    template_names: Option<Vec<String>>,
    mark: Option<Uuid>,
}

// ── Marks of long lists (migration 0016) ────────────────────────────────────────────

/// Every this many rows of a list, a mark keeps the row's customer.
pub const MARK_STRIDE: i64 = 1000;
/// Marks older than this are made again (a rename moves a customer without changing
/// any total: for at most this long a deep jump may be a row or so off; Next and
/// Previous, which follow the rows shown, never are).
const MARKS_FRESH_SECONDS: i64 = 60;

/// The list the marks are for: the order and the status filter. Lists with other
/// filters or a search have none: they have no kept total to tell whether marks are
/// still good.
pub fn marks_key(f: &CustomerFilter) -> Option<String> {
    counted_by_status(f).then(|| format!("{}|{}", f.sort.key(), f.status.as_deref().unwrap_or("")))
}

/// Makes the marks of a list again, in the background (the page that found them
/// missing or stale is already on its way), once at a time per list in this process.
fn refresh_marks_soon(db: &Pool, partner: PartnerOrgId, f: &CustomerFilter, key: String) {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    static BUSY: LazyLock<Mutex<HashSet<(Uuid, String)>>> =
        LazyLock::new(|| Mutex::new(HashSet::new()));
    let job = (partner.id(), key.clone());
    if !BUSY
        .lock()
        .map(|mut b| b.insert(job.clone()))
        .unwrap_or(false)
    {
        return;
    }
    let (db, f) = (db.clone(), f.clone());
    tokio::spawn(async move {
        if let Err(e) = refresh_marks(&db, partner, &f, &key).await {
            tracing::warn!(error = %e, "could not make the customers list's marks");
        }
        if let Ok(mut busy) = BUSY.lock() {
            busy.remove(&job);
        }
    });
}

/// Reads the list once in its order (an index-only scan) and keeps every
/// `MARK_STRIDE`th customer, with the kept total of the same moment.
pub async fn refresh_marks(
    db: &Pool,
    partner: PartnerOrgId,
    f: &CustomerFilter,
    key: &str,
) -> sqlx::Result<()> {
    let mut q = QueryBuilder::new(
        "INSERT INTO customer_list_marks (partner_org_id, list_key, total, computed_at, ids) SELECT ",
    );
    q.push_bind(partner.id())
        .push(", ")
        .push_bind(key.to_string())
        .push(", ");
    push_total(&mut q, partner, f, false);
    q.push(format_args!(
        ", now(), coalesce((SELECT array_agg(s.id ORDER BY s.rn) FROM (SELECT o.id, row_number() OVER (ORDER BY {}) AS rn FROM ",
        order_by(f.sort, false)
    ));
    push_matches(&mut q, partner, f, false);
    q.push(format_args!(
        ") s WHERE s.rn % {MARK_STRIDE} = 1), '{{}}')
         ON CONFLICT (partner_org_id, list_key) DO UPDATE
         SET total = EXCLUDED.total, computed_at = EXCLUDED.computed_at, ids = EXCLUDED.ids"
    ));
    q.build().execute(db).await?;
    Ok(())
}

/// One array of the partner's templates' `column`, by name.
fn push_templates_column(q: &mut QueryBuilder<'_, Postgres>, partner: PartnerOrgId, column: &str) {
    q.push(format_args!(
        "(SELECT array_agg(pt.{column} ORDER BY lower(pt.name), pt.id) FROM onboarding_templates pt
          WHERE pt.owner_org_id = "
    ))
    .push_bind(partner.id())
    .push(")");
}

/// The partner's templates by name, as two arrays `template_ids`, `template_names`.
fn push_templates(q: &mut QueryBuilder<'_, Postgres>, partner: PartnerOrgId) {
    push_templates_column(q, partner, "id");
    q.push(" AS template_ids, ");
    push_templates_column(q, partner, "name");
    q.push(" AS template_names");
}

/// The number of matches as a scalar subquery: with the status alone (or nothing), the
/// sum of the counters (migration 0007); otherwise a count of the rows it selects.
fn push_total(
    q: &mut QueryBuilder<'_, Postgres>,
    partner: PartnerOrgId,
    f: &CustomerFilter,
    hits: bool,
) {
    if !counted_by_status(f) {
        q.push("(SELECT count(*) FROM ");
        push_matches(q, partner, f, hits);
        q.push(")");
        return;
    }
    q.push(
        "(SELECT coalesce(sum(c.n), 0)::bigint FROM customer_counts c WHERE c.partner_org_id = ",
    )
    .push_bind(partner.id());
    if let Some(status) = &f.status {
        q.push(" AND c.status = ").push_bind(status.clone());
    }
    q.push(")");
}

/// With a search, opens the query with `WITH hits AS MATERIALIZED (…)`: the matches
/// (the columns every order needs), read once. Answers whether it did.
fn push_hits(
    q: &mut QueryBuilder<'_, Postgres>,
    partner: PartnerOrgId,
    f: &CustomerFilter,
) -> bool {
    let Some(search) = &f.search else {
        return false;
    };
    q.push("WITH hits AS MATERIALIZED (");
    let literal = like_literal(search.text());
    let columns = "SELECT o.id, o.name, o.created_at, o.status, o.country FROM orgs o WHERE ";
    match search {
        Search::Anywhere(_) => {
            // The trigram index's expression (migration 0014).
            q.push(columns);
            push_base(q, partner, f);
            q.push(
                " AND (lower(o.name) || chr(1) || lower(coalesce(o.external_id, ''))) LIKE ('%' || lower(",
            )
            .push_bind(literal)
            .push(") || '%')");
        }
        Search::Start(text) => {
            // The index needs the prefix as a range (`~>=~`, `~<~`: byte order, the
            // pattern operator class's, migration 0009): every name starting with it lies
            // between the prefix and the prefix followed by the last code point; LIKE
            // keeps the exact matches. Then the external id's customer, unless the name
            // branch has it already: a `UNION ALL` of two index reads, where one `OR`
            // would read every customer.
            q.push(columns);
            push_base(q, partner, f);
            q.push(" AND lower(o.name) ~>=~ lower(")
                .push_bind(text.clone())
                .push(") AND lower(o.name) ~<~ (lower(")
                .push_bind(text.clone())
                .push(") || chr(1114111)) AND lower(o.name) LIKE (lower(")
                .push_bind(literal.clone())
                .push(") || '%') UNION ALL ")
                .push(columns);
            push_base(q, partner, f);
            q.push(" AND o.external_id = ")
                .push_bind(text.clone())
                .push(" AND lower(o.name) NOT LIKE (lower(")
                .push_bind(literal)
                .push(") || '%')");
        }
    }
    q.push(") ");
    true
}

/// `%`, `_` and `\` typed by the user are characters, not wildcards.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The customers that match, as a row source `o` followed by a `WHERE` that more
/// conditions can be added to with `AND`. Only the conditions in use are written, so
/// each combination gets its own plan. `hits`: the matches are the `hits` CTE's.
fn push_matches(
    q: &mut QueryBuilder<'_, Postgres>,
    partner: PartnerOrgId,
    f: &CustomerFilter,
    hits: bool,
) {
    if hits {
        q.push("hits o WHERE true");
    } else {
        q.push("orgs o WHERE ");
        push_base(q, partner, f);
    }
}

/// The partner's live customers that pass every filter but the search.
fn push_base(q: &mut QueryBuilder<'_, Postgres>, partner: PartnerOrgId, f: &CustomerFilter) {
    q.push("o.onboarded_by = ")
        .push_bind(partner.id())
        .push(" AND o.deleted_at IS NULL");
    if let Some(status) = &f.status {
        q.push(" AND coalesce(o.status, '') = ")
            .push_bind(status.clone());
    }
    if let Some(country) = &f.country {
        q.push(" AND coalesce(o.country::text, '') = ")
            .push_bind(country.clone());
    }
    if let Some(template) = f.template {
        q.push(" AND o.template_id = ").push_bind(template);
    }
    if let Some(package) = &f.package {
        q.push(" AND EXISTS (SELECT 1 FROM customer_packages cp WHERE cp.org_id = o.id AND cp.package = ")
            .push_bind(package.clone())
            .push(")");
    }
}

/// A customer picked from the list, as a bulk action names it.
#[derive(Debug, sqlx::FromRow)]
pub struct Picked {
    pub id: Uuid,
    pub name: String,
    pub restricted_by_partner: bool,
}

/// Those of `ids` that are live customers of the (sub-)partner, by name; an id of
/// anything else is left out (the caller compares the counts).
pub async fn picked(
    db: impl sqlx::PgExecutor<'_>,
    partner: PartnerOrgId,
    ids: &[Uuid],
) -> sqlx::Result<Vec<Picked>> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.restricted_by_partner FROM orgs o
         WHERE o.id = ANY($2) AND o.onboarded_by = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL
         ORDER BY lower(o.name), o.id",
    )
    .bind(partner.id())
    .bind(ids)
    .fetch_all(db)
    .await
}

/// A customer as the CSV export writes it: the list's row and its packages.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportRow {
    #[sqlx(flatten)]
    pub row: CustomerRow,
    pub packages: Vec<String>,
}

/// Every customer that matches, in the list's order, sent one by one into `out` as it is
/// read (the export streams; 100,000 rows are never held at once). Ends early, without
/// error, when the receiver is gone (the download was cancelled).
pub async fn export(
    db: Pool,
    partner: PartnerOrgId,
    f: CustomerFilter,
    out: mpsc::Sender<sqlx::Result<ExportRow>>,
) {
    use futures_util::TryStreamExt;

    let order = order_by(f.sort, false);
    let mut q = QueryBuilder::new("");
    let hits = push_hits(&mut q, partner, &f);
    q.push(
        "SELECT o.id, o.name, o.external_id, o.status, o.country::text AS country, t.name AS template_name,
                coalesce((SELECT array_agg(cp.package ORDER BY cp.package) FROM customer_packages cp
                          WHERE cp.org_id = o.id), '{}') AS packages,
                coalesce(u.n, 0) AS users, o.created_at
         FROM orgs o JOIN (SELECT o.id FROM ",
    );
    push_matches(&mut q, partner, &f, hits);
    q.push(format_args!(
        ") m ON m.id = o.id LEFT JOIN subscriber_counts u ON u.org_id = o.id
         LEFT JOIN onboarding_templates t ON t.id = o.template_id ORDER BY {order}"
    ));
    let mut rows = q.build_query_as::<ExportRow>().fetch(&db);
    loop {
        let next = rows.try_next().await;
        let done = !matches!(next, Ok(Some(_)));
        let sent = match next {
            Ok(Some(row)) => out.send(Ok(row)).await,
            Ok(None) => break,
            Err(e) => out.send(Err(e)).await,
        };
        if sent.is_err() || done {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backwards_orders_reverse_every_key() {
        let by_status = Sort {
            column: SortColumn::Status,
            descending: false,
        };
        assert_eq!(
            order_by(by_status, false),
            "coalesce(o.status, ''), lower(o.name), o.id"
        );
        assert_eq!(
            order_by(by_status, true),
            "coalesce(o.status, '') DESC, lower(o.name) DESC, o.id DESC"
        );
        let newest = Sort {
            column: SortColumn::Created,
            descending: true,
        };
        assert_eq!(order_by(newest, false), "o.created_at DESC, o.id DESC");
        assert_eq!(order_by(newest, true), "o.created_at, o.id");
    }

    #[test]
    fn wildcards_typed_are_literals() {
        assert_eq!(like_literal(r"50%_off\"), r"50\%\_off\\");
    }
}
