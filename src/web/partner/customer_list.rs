//! The customers list (SPEC §4.4): search anywhere in the name and external id, filters
//! for status, country, template and package together, sortable columns, a page-size
//! choice, paging, the CSV export of what is shown, and the selection for bulk actions.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::countries;
use crate::domain::csv_export::CsvExport;
use crate::domain::customer_list::{
    Asked, CustomerFilter, DEFAULT_PAGE_SIZE, ListQuery, PAGE_SIZES, PageAt, Sort, SortColumn, read,
};
use crate::domain::org_kind::{CUSTOMER_STATUSES, customer_status_label};
use crate::domain::packages::{self, Package};
use crate::error::AppResult;
use crate::paths;
use crate::services::customer::attach;
use crate::services::customer::bulk::BulkAction;
use crate::state::AppState;
use crate::store;
use crate::store::customer_list::{CustomerRow, ExportRow};
use crate::tenancy::policy::PartnerAction;
use crate::web::forms::{Choice, Query, choices};
use crate::web::views::PageCtx;

/// The query string of the list as it is shown, with some values changed.
fn query_string(f: &CustomerFilter, per: i64, extra: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = vec![];
    let mut put = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            pairs.push((k, v));
        }
    };
    put("q", f.search.as_ref().map(|s| s.text().to_string()));
    put("status", f.status.clone());
    put("country", f.country.clone());
    put("template", f.template.map(|t| t.to_string()));
    put("package", f.package.clone());
    put("sort", (f.sort != Sort::default()).then(|| f.sort.key()));
    put("per", (per != DEFAULT_PAGE_SIZE).then(|| per.to_string()));
    pairs.extend(extra.iter().cloned());
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn with_query(path: &str, query: String) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// A sortable column's header.
pub struct SortHeader {
    label: &'static str,
    href: String,
    /// `aria-sort`: "ascending" / "descending" on the column the list is sorted by.
    aria_sort: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/list.html")]
pub struct ListPage {
    page: PageCtx,
    q: String,
    notices: Vec<String>,
    filtered: bool,
    statuses: Vec<Choice>,
    countries: Vec<Choice>,
    templates: Vec<Choice>,
    packages: Vec<Choice>,
    page_sizes: Vec<Choice>,
    by_name: SortHeader,
    by_status: SortHeader,
    by_country: SortHeader,
    by_created: SortHeader,
    /// The order, for the filter form to keep; `None` for the default.
    sort_key: Option<String>,
    rows: Vec<CustomerRow>,
    total: i64,
    page_no: i64,
    pages: i64,
    first_href: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
    last_href: Option<String>,
    export_href: String,
    /// This very list, for the bulk form to come back to.
    here: String,
    may_manage: bool,
    bulk_actions: Vec<Choice>,
    /// Existing orgs this partner asked to attach, waiting for their admin's consent or
    /// declined lately (SPEC §4.5); on the first page of the whole list only.
    attach_requests: Vec<AttachRequestRow>,
}

pub struct AttachRequestRow {
    pub org_id: Uuid,
    pub org_name: String,
    pub packages: String,
    pub asked: String,
    pub status: String,
    pub declined: bool,
}

/// The attach requests the whole list's first page shows.
async fn attach_requests(
    state: &AppState,
    scope: &PartnerScope,
) -> AppResult<Vec<AttachRequestRow>> {
    let now = state.clock.now();
    Ok(
        store::consents::open_for_partner(&state.db, scope.org_id(), now, 20)
            .await?
            .into_iter()
            .map(|c| AttachRequestRow {
                org_id: c.org_id,
                org_name: c.org_name,
                packages: attach::requested(&c.request)
                    .map(|a| {
                        a.packages
                            .iter()
                            .map(|p| packages::display_name(p))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                asked: crate::web::fmt::datetime(&c.created_at),
                declined: c.status == "declined",
                status: match c.decided_at {
                    Some(at) if c.status == "declined" => {
                        format!("Declined {}", crate::web::fmt::datetime(&at))
                    }
                    _ => "Awaiting the organisation's consent".into(),
                },
            })
            .collect(),
    )
}

fn status_label(s: &Option<String>) -> &'static str {
    s.as_deref().map(customer_status_label).unwrap_or("—")
}

fn header_for(sort: Sort, column: SortColumn, link: &impl Fn(Sort) -> String) -> SortHeader {
    SortHeader {
        label: column.label(),
        href: link(sort.toggled(column)),
        aria_sort: (sort.column == column).then_some(if sort.descending {
            "descending"
        } else {
            "ascending"
        }),
    }
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    scope.require(PartnerAction::View)?;
    let Asked {
        filter: f,
        typed,
        page_no,
        per,
        at_cursor,
        mut notices,
    } = read(&q);
    let at = at_cursor.unwrap_or(PageAt::Number(page_no));
    let found = store::customer_list::list(&state.list_db, scope.org_id(), &f, at, per).await?;
    let templates = found.templates;
    if let Some(t) = f.template
        && !templates.iter().any(|(id, _)| *id == t)
    {
        notices.push("That template is not one of yours; no customer uses it.".into());
    }
    let total = found.total;
    let rows = found.rows;
    let pages = ((total + per - 1) / per).max(1);
    let href = |p: i64, cursor: Option<(&str, Uuid)>| {
        let mut extra = vec![("page", p.to_string())];
        if let Some((key, id)) = cursor {
            extra.push((key, id.to_string()));
        }
        if p == 1 {
            extra.clear();
        }
        with_query(paths::CUSTOMERS, query_string(&f, per, &extra))
    };
    // Next and Previous follow the rows shown (keyset); First and Last jump.
    let page_no = page_no.min(pages);
    let prev_href = match rows.first() {
        _ if page_no <= 1 => None,
        _ if page_no == 2 => Some(href(1, None)),
        Some(first) => Some(href(page_no - 1, Some(("before", first.id)))),
        None => Some(href(pages, None)),
    };
    let next_href = match rows.last() {
        Some(last) if page_no < pages => Some(href(page_no + 1, Some(("after", last.id)))),
        _ => None,
    };
    let sort_link = |sort: Sort| {
        let g = CustomerFilter { sort, ..f.clone() };
        with_query(paths::CUSTOMERS, query_string(&g, per, &[]))
    };
    let here = if page_no > 1 {
        href(page_no, None)
    } else {
        href(1, None)
    };
    let filtered = f.search.is_some()
        || f.status.is_some()
        || f.country.is_some()
        || f.template.is_some()
        || f.package.is_some();
    let attach_requests = if !filtered && page_no == 1 {
        attach_requests(&state, &scope).await?
    } else {
        vec![]
    };
    let page = ListPage {
        attach_requests,
        page: PageCtx::partner(&scope, &session, "customers", "Customers").await?,
        q: typed,
        filtered,
        statuses: choices(
            CUSTOMER_STATUSES
                .iter()
                .map(|s| (s.to_string(), customer_status_label(s).to_string())),
            f.status.as_deref().unwrap_or(""),
        ),
        countries: choices(
            countries::COUNTRIES
                .iter()
                .map(|(code, name)| (code.to_string(), name.to_string())),
            f.country.as_deref().unwrap_or(""),
        ),
        templates: choices(
            templates
                .into_iter()
                .map(|(id, name)| (id.to_string(), name)),
            &f.template.map(|t| t.to_string()).unwrap_or_default(),
        ),
        packages: choices(
            Package::ALL
                .iter()
                .map(|p| (p.id().to_string(), packages::display_name(p.id()))),
            f.package.as_deref().unwrap_or(""),
        ),
        page_sizes: choices(
            PAGE_SIZES.iter().map(|n| (n.to_string(), n.to_string())),
            &per.to_string(),
        ),
        by_name: header_for(f.sort, SortColumn::Name, &sort_link),
        by_status: header_for(f.sort, SortColumn::Status, &sort_link),
        by_country: header_for(f.sort, SortColumn::Country, &sort_link),
        by_created: header_for(f.sort, SortColumn::Created, &sort_link),
        sort_key: (f.sort != Sort::default()).then(|| f.sort.key()),
        total,
        page_no,
        pages,
        first_href: (page_no > 2).then(|| href(1, None)),
        last_href: (page_no + 1 < pages).then(|| href(pages, None)),
        prev_href,
        next_href,
        export_href: with_query(paths::CUSTOMERS_EXPORT, query_string(&f, per, &[])),
        here,
        may_manage: scope.may(PartnerAction::ManageCustomers),
        bulk_actions: choices(
            BulkAction::ALL
                .iter()
                .map(|a| (a.key().to_string(), a.label().to_string())),
            "",
        ),
        rows,
        notices,
    };
    let status = if page.notices.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, page).into_response())
}

/// Rows read ahead of the download: the reading task waits while this many are unsent.
const EXPORT_BATCH: usize = 256;

/// The list as a CSV file, with every filter, the search and the order of the page it
/// was asked from, but no paging: every matching customer, streamed as it is read.
pub async fn export(
    State(state): State<AppState>,
    scope: PartnerScope,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    scope.require(PartnerAction::View)?;
    let asked = read(&q);
    if let Some(first) = asked.notices.first() {
        return Err(crate::error::AppError::field("q", first.clone()));
    }
    let (rows_tx, rows_rx) = mpsc::channel::<sqlx::Result<ExportRow>>(EXPORT_BATCH);
    tokio::spawn(store::customer_list::export(
        state.db.clone(),
        scope.org_id(),
        asked.filter,
        rows_tx,
    ));
    // One chunk of the body: the rows already waiting (up to a batch), so the socket
    // gets few large writes; the header goes first. A failed read cuts the file short
    // with an error, so the download never looks whole.
    let header = Some(CsvExport::line(EXPORT_HEADER).unwrap_or_default());
    let chunks = futures_util::stream::unfold((rows_rx, header), |(mut rx, header)| async move {
        let mut chunk = header.unwrap_or_default();
        let first = rx.recv().await;
        if first.is_none() && chunk.is_empty() {
            return None;
        }
        for row in first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
        {
            match row {
                Ok(row) => chunk.extend_from_slice(&export_line(&row)),
                Err(e) => {
                    tracing::error!(error = %e, "customers export failed");
                    return Some((Err(std::io::Error::other(e)), (rx, None)));
                }
            }
            if chunk.len() >= 64 * 1024 {
                break;
            }
        }
        Some((Ok(Bytes::from(chunk)), (rx, None)))
    });
    let body = Body::from_stream(chunks);
    let filename = format!(
        "customers-{}.csv",
        crate::web::fmt::date(&state.clock.now())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

const EXPORT_HEADER: [&str; 9] = [
    "Name",
    "External id",
    "Status",
    "Country",
    "Template",
    "Packages",
    "Users",
    "Created",
    "Org id",
];

fn export_line(e: &ExportRow) -> Vec<u8> {
    let r = &e.row;
    let packages: Vec<String> = e
        .packages
        .iter()
        .map(|p| packages::display_name(p))
        .collect();
    CsvExport::line([
        r.name.clone(),
        r.external_id.clone().unwrap_or_default(),
        r.status
            .as_deref()
            .map(customer_status_label)
            .unwrap_or("")
            .to_string(),
        r.country.clone().unwrap_or_default(),
        r.template_name.clone().unwrap_or_default(),
        packages.join("; "),
        r.users.to_string(),
        crate::web::fmt::iso(&r.created_at),
        r.id.to_string(),
    ])
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(qs: &str) -> Asked {
        read(&serde_urlencoded::from_str(qs).unwrap())
    }

    #[test]
    fn links_carry_the_filters_but_not_the_defaults() {
        let a = asked("q=acme&status=error&sort=name&per=25");
        assert_eq!(query_string(&a.filter, a.per, &[]), "q=acme&status=error");
        let a = asked("country=CA&sort=-country&per=100");
        assert_eq!(
            query_string(&a.filter, a.per, &[("page", "2".into())]),
            "country=CA&sort=-country&per=100&page=2"
        );
    }
}
