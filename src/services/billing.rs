//! Billing reconciliation (SPEC §8), one service for the Billing page and the Billing
//! Reports API: creating a report (the period rules, the 409, a parent reporting on its
//! sub-partner), reading, listing and deleting reports, their signed download links,
//! the job that generates the CSV, and the daily series the page charts.

use std::borrow::Cow;
use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use time::{Date, Duration};
use uuid::Uuid;

use crate::domain::billing::{self, DAY_MICROS, ReportType};
use crate::domain::csv_export::CsvExport;
use crate::error::{AppError, AppResult, Field, FieldErrors};
use crate::jobs::payloads::GenerateBillingReport;
use crate::jobs::queue::{self, ClaimedJob, JobPayload};
use crate::jobs::worker::JobContext;
use crate::services::{RequestCtx, audit_partner_change};
use crate::state::AppState;
use crate::store;
use crate::store::billing::{NewReport, ReportFilter, ReportOrder, ReportRow};
use crate::store::billing_usage::{self, DayParts, Period};
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;
use futures_util::TryStreamExt as _;

pub const JOB_KIND: &str = GenerateBillingReport::KIND;

/// A report as asked for, as typed (the page's form and the API's body alike).
#[derive(Debug, Default, Clone)]
pub struct ReportRequest {
    pub start: String,
    pub end: String,
    /// `PARTNER` when absent.
    pub kind: Option<String>,
    /// A sub-partner of the caller's to report on.
    pub sub_partner: Option<String>,
}

/// What `ReportRequest` means once checked.
struct Checked {
    start: Date,
    end: Date,
    kind: ReportType,
    sub_partner: Option<Uuid>,
}

/// The rules of SPEC §8 for a new report; every refusal names its field.
async fn check(state: &AppState, scope: &PartnerScope, r: &ReportRequest) -> AppResult<Checked> {
    let mut errors = FieldErrors::new();
    let mut date = |field: &str, raw: &str| -> Option<Date> {
        if raw.trim().is_empty() {
            errors.add(Field::Other(field.into()), "is required (YYYY-MM-DD)");
            return None;
        }
        let d = billing::parse_date(raw);
        if d.is_none() {
            errors.add(
                Field::Other(field.into()),
                format!("“{}” is not a date in the form YYYY-MM-DD", raw.trim()),
            );
        }
        d
    };
    let start = date("billingStartDate", &r.start);
    let end = date("billingEndDate", &r.end);
    let kind = match r.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => Some(ReportType::Partner),
        Some(k) => {
            let t = ReportType::parse(k);
            if t.is_none() {
                errors.add(
                    Field::Other("type".into()),
                    format!("“{k}” is not a report type: PARTNER, CUSTOMER or USER"),
                );
            }
            t
        }
    };
    let sub_partner = match r
        .sub_partner
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => {
            // One answer for an id that is no id, another partner's org, and an org that
            // is not this partner's sub-partner: nothing is learnt of the others.
            let id = Uuid::parse_str(raw).ok();
            let ours = match id {
                Some(id) => {
                    store::orgs::manages(&state.db, scope.org.id, id, "parent_of_sub_partner")
                        .await?
                }
                None => false,
            };
            if !ours {
                errors.add(
                    Field::Other("subPartnerOrgId".into()),
                    "is not one of your sub-partners",
                );
            }
            id.filter(|_| ours)
        }
    };
    if let (Some(s), Some(e)) = (start, end) {
        for err in billing::check_period(s, e, state.clock.now().date()).iter() {
            errors.push(err.clone());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Checked {
        start: start.expect("checked"),
        end: end.expect("checked"),
        kind: kind.expect("checked"),
        sub_partner,
    })
}

/// Creates a report and queues its generation. A live report of the same subject,
/// period and type is a 409 once it has completed; one that failed or is still being
/// generated is replaced (SPEC §8: deleting first is needed only for a completed one).
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    request: &ReportRequest,
    ctx: &RequestCtx<'_>,
) -> AppResult<ReportRow> {
    scope.require(PartnerAction::ManageBilling)?;
    let c = check(state, scope, request).await?;
    let now = state.clock.now();
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let new = NewReport {
        id: Uuid::new_v4(),
        partner: scope.org_id(),
        sub_partner: c.sub_partner,
        start: c.start,
        end: c.end,
        kind: c.kind.as_str(),
        created_by: scope.actor.person_id,
        download_key: key,
    };
    let mut tx = state.db.begin().await?;
    store::billing::lock_partner(&mut tx, scope.org_id()).await?;
    if let Some(old) = store::billing::existing(&mut tx, &new).await? {
        if old.status == "COMPLETED" {
            return Err(AppError::Conflict(format!(
                "A {} report for {} to {} already exists ({}); delete it before generating the period again.",
                c.kind.as_str(),
                c.start,
                c.end,
                old.id
            )));
        }
        store::billing::delete(&mut tx, scope.org_id(), old.id, now).await?;
    }
    store::billing::insert(&mut tx, &new, now).await?;
    queue::enqueue_payload(
        &mut tx,
        &GenerateBillingReport {
            report_id: new.id,
            org: Some(scope.org.id),
        },
        now,
    )
    .await?;
    let detail = serde_json::json!({
        "report_id": new.id,
        "type": new.kind,
        "start": c.start.to_string(),
        "end": c.end.to_string(),
        "sub_partner_org_id": c.sub_partner,
    });
    audit_partner_change(
        &mut tx,
        scope,
        c.sub_partner.unwrap_or(scope.org.id),
        "billing_report.create",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    store::billing::get(&state.db, scope.org_id(), new.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// One of the hub's reports (404 for any other).
pub async fn get(state: &AppState, scope: &PartnerScope, id: Uuid) -> AppResult<ReportRow> {
    scope.require(PartnerAction::ViewBilling)?;
    store::billing::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(
    state: &AppState,
    scope: &PartnerScope,
    filter: &ReportFilter,
    order: ReportOrder,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<ReportRow>> {
    scope.require(PartnerAction::ViewBilling)?;
    Ok(store::billing::list(&state.db, scope.org_id(), filter, order, offset, limit).await?)
}

/// Deletes a report: its CSV goes and every link to it stops working.
pub async fn delete(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require(PartnerAction::ManageBilling)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let report = store::billing::get(&mut *tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::billing::delete(&mut tx, scope.org_id(), id, now).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({
        "report_id": id,
        "type": report.kind,
        "start": report.start_date.to_string(),
        "end": report.end_date.to_string(),
    });
    audit_partner_change(
        &mut tx,
        scope,
        report.subject(),
        "billing_report.delete",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ── Download links ──────────────────────────────────────────────────────────────────

/// The path a signed link points at (no session or token needed: the signature is the
/// proof).
pub fn download_path(id: Uuid) -> String {
    format!("/billing/reports/{id}/download")
}

/// The MAC a link to report `id` expiring at `expires` (Unix seconds) is signed with.
fn link_mac(key: &[u8], id: Uuid, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("{id}:{expires}").as_bytes());
    mac
}

/// A link to a completed report's CSV that works for 30 minutes from now (SPEC §8)
/// without the API token; `None` while the report is not complete.
pub async fn download_url(
    state: &AppState,
    scope: &PartnerScope,
    report: &ReportRow,
) -> AppResult<Option<String>> {
    if report.status != "COMPLETED" {
        return Ok(None);
    }
    let Some(key) = store::billing::download_key(&state.db, scope.org_id(), report.id).await?
    else {
        return Ok(None);
    };
    let expires =
        (state.clock.now() + Duration::minutes(billing::DOWNLOAD_MINUTES)).unix_timestamp();
    Ok(Some(format!(
        "{}{}?expires={expires}&signature={}",
        state.config.public_url,
        download_path(report.id),
        hex::encode(link_mac(&key, report.id, expires).finalize().into_bytes())
    )))
}

/// Why a download link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefused {
    /// No such report, or it was deleted (which revokes its links).
    Gone,
    /// The signature does not match what the link says.
    Tampered,
    Expired,
}

impl LinkRefused {
    pub fn message(self) -> &'static str {
        match self {
            LinkRefused::Gone => "Billing Report not found.",
            LinkRefused::Tampered => "This download link is not valid: it has been changed.",
            LinkRefused::Expired => {
                "This download link has expired. Get the report again for a new link; each works for 30 minutes."
            }
        }
    }
}

/// What a valid link opens: the report's file, to be streamed by chunks.
pub struct Opened {
    pub id: Uuid,
    pub file_name: String,
}

/// Checks a signed link (`expires`, `signature` as the query gives them).
pub async fn open_link(
    state: &AppState,
    id: Uuid,
    expires: Option<&str>,
    sig: Option<&str>,
) -> AppResult<Result<Opened, LinkRefused>> {
    let Some(report) = store::billing::for_download(&state.db, id).await? else {
        return Ok(Err(LinkRefused::Gone));
    };
    let (Some(key), true) = (report.download_key.as_deref(), report.status == "COMPLETED") else {
        return Ok(Err(LinkRefused::Gone));
    };
    let (Some(expires), Some(sig)) = (
        expires.and_then(|e| e.parse::<i64>().ok()),
        sig.and_then(|s| hex::decode(s).ok()),
    ) else {
        return Ok(Err(LinkRefused::Tampered));
    };
    if link_mac(key, id, expires).verify_slice(&sig).is_err() {
        return Ok(Err(LinkRefused::Tampered));
    }
    if state.clock.now().unix_timestamp() >= expires {
        return Ok(Err(LinkRefused::Expired));
    }
    Ok(Ok(Opened {
        id,
        file_name: file_name(&report.kind, report.start_date, report.end_date),
    }))
}

/// For the page's own download (the session is the proof).
pub async fn open_own(state: &AppState, scope: &PartnerScope, id: Uuid) -> AppResult<Opened> {
    let report = get(state, scope, id).await?;
    if report.status != "COMPLETED" {
        return Err(AppError::NotFound);
    }
    Ok(Opened {
        id,
        file_name: file_name(&report.kind, report.start_date, report.end_date),
    })
}

fn file_name(kind: &str, start: Date, end: Date) -> String {
    format!("billing-{}-{start}-{end}.csv", kind.to_ascii_lowercase())
}

// ── Generating ──────────────────────────────────────────────────────────────────────

/// The CSV goes to storage in pieces of about this size.
const CHUNK: usize = 1 << 20;
/// Rows between two updates of the progress bar.
const PROGRESS_EVERY: usize = 5_000;

/// The job: generates the report's CSV into chunks, then marks it complete. A report
/// deleted meanwhile is left alone; one that fails on every attempt is marked failed.
pub async fn run_job(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let payload = GenerateBillingReport::of(&job)?;
    match generate(&ctx, payload.report_id).await {
        Ok(()) => Ok(()),
        Err(e) if job.attempts >= job.max_attempts => {
            tracing::error!(error = %e, report = %payload.report_id, "billing report failed");
            let errors = serde_json::json!([{
                "code": billing::GENERATION_FAILED,
                "description": "The report could not be generated. Create it again; if it fails again, contact support with this report's id."
            }]);
            store::billing::fail(&ctx.db, payload.report_id, &errors).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The subject's period, clipped by its billing start.
async fn period_of(
    db: &crate::db::Pool,
    subject: Uuid,
    start: Date,
    end: Date,
) -> anyhow::Result<(billing_usage::Subject, Period)> {
    let s = billing_usage::subject(db, subject)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the report's partner {subject} is gone"))?;
    let (lo, hi) = billing::period_bounds(start, end);
    let period = Period {
        subject,
        lo,
        hi,
        not_before: s.billing_start.map(billing::day_start),
    };
    Ok((s, period))
}

/// The period a report counts, clipped by its subject's billing start.
async fn report_period(state: &AppState, report: &ReportRow) -> AppResult<Period> {
    let (_, period) = period_of(
        &state.db,
        report.subject(),
        report.start_date,
        report.end_date,
    )
    .await?;
    Ok(period)
}

/// Writes the report: its rows come from one statement, read as a stream and written
/// as CSV (through the CSV-injection helper) into chunks of about `CHUNK` bytes, which a
/// task of their own stores while the next rows are read — so a report of any size holds
/// about two chunks in memory. Public for the benchmark, which times it against the same
/// aggregate written by hand.
pub async fn generate(ctx: &JobContext, id: Uuid) -> anyhow::Result<()> {
    let Some(report) = store::billing::for_job(&ctx.db, id).await? else {
        return Ok(());
    };
    if report.status != "IN_PROGRESS" {
        return Ok(());
    }
    let kind = ReportType::parse(&report.kind)
        .ok_or_else(|| anyhow::anyhow!("unknown report type {}", report.kind))?;
    let (subject, period) = period_of(
        &ctx.db,
        report.subject(),
        report.start_date,
        report.end_date,
    )
    .await?;
    store::billing::clear_chunks(&ctx.db, id).await?;
    let customers = billing_usage::customer_count(&ctx.db, &period)
        .await?
        .max(1);

    let (chunks, mut stored) = chunk_store(ctx.db.clone(), id);
    let mut csv = CsvExport::new();
    csv.row(kind.columns())?;
    let mut cells = RowCells::new(&subject, kind);
    let mut rows = std::pin::pin!(billing_usage::rows(
        &ctx.db,
        &period,
        kind,
        subject.subscription_id.clone(),
    ));
    let (mut written, mut seen, mut last) = (0usize, 0i64, None);
    while let Some(r) = rows.try_next().await? {
        if r.customer_org_id != last {
            (seen, last) = (seen + 1, r.customer_org_id);
        }
        csv.row(cells.of(&r))?;
        written += 1;
        if csv.written() >= CHUNK && chunks.send(csv.take()?).await.is_err() {
            break;
        }
        if written % PROGRESS_EVERY == 0 {
            let progress = ((seen * 99) / customers).clamp(0, 99) as i16;
            if !store::billing::set_progress(&ctx.db, id, progress).await? {
                // Deleted or replaced while it was being generated.
                drop(chunks);
                let _ = (&mut stored).await;
                store::billing::clear_chunks(&ctx.db, id).await?;
                return Ok(());
            }
        }
    }
    let _ = chunks.send(csv.take()?).await;
    drop(chunks);
    stored.await??;
    if !store::billing::complete(&ctx.db, id, written as i32, ctx.clock.now()).await? {
        store::billing::clear_chunks(&ctx.db, id).await?;
    }
    Ok(())
}

/// A task that stores the chunks it is sent, in order; it ends with the last sender.
fn chunk_store(
    db: crate::db::Pool,
    id: Uuid,
) -> (
    tokio::sync::mpsc::Sender<Vec<u8>>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let task = tokio::spawn(async move {
        let mut seq = 0;
        while let Some(data) = rx.recv().await {
            if data.is_empty() {
                continue;
            }
            store::billing::write_chunk(&db, id, seq, &data).await?;
            seq += 1;
        }
        Ok(())
    });
    (tx, task)
}

/// What every row of a report repeats, written once: the subject's cells, and per
/// package its service name, SKU and description.
struct RowCells {
    kind: ReportType,
    partner_name: String,
    partner_id: String,
    packages: BTreeMap<String, [String; 3]>,
}

impl RowCells {
    fn new(subject: &billing_usage::Subject, kind: ReportType) -> Self {
        Self {
            kind,
            partner_name: subject.name.clone(),
            partner_id: subject.id.to_string(),
            packages: BTreeMap::new(),
        }
    }

    /// A row's cells, in the order of `ReportType::columns`.
    fn of<'a>(&'a mut self, r: &'a billing_usage::UsageRow) -> Vec<Cow<'a, str>> {
        if !self.packages.contains_key(&r.package) {
            let named = [
                billing::service_name(&r.package),
                billing::sku(&r.package),
                billing::description(&r.package),
            ];
            self.packages.insert(r.package.clone(), named);
        }
        let package = &self.packages[&r.package];
        let id = |u: Option<Uuid>| Cow::Owned(u.map(|u| u.to_string()).unwrap_or_default());
        let text = |t: &'a Option<String>| Cow::Borrowed(t.as_deref().unwrap_or_default());
        let mut c: Vec<Cow<'a, str>> = Vec::with_capacity(16);
        c.extend([
            Cow::Borrowed(self.partner_name.as_str()),
            Cow::Borrowed(self.partner_id.as_str()),
            text(&r.subscription_id),
            Cow::Borrowed(package[0].as_str()),
            Cow::Borrowed(package[1].as_str()),
            Cow::Borrowed(package[2].as_str()),
            Cow::Owned(r.first_day.to_string()),
            Cow::Owned(r.last_day.to_string()),
            Cow::Owned(billing::quantity(r.micros)),
        ]);
        if self.kind != ReportType::Partner {
            c.extend([
                id(r.customer_org_id),
                text(&r.external_id),
                id(r.location_id),
                text(&r.license_id),
            ]);
        }
        if self.kind == ReportType::User {
            c.extend([id(r.subscriber_id), id(r.person_id), id(r.workspace_id)]);
        }
        c
    }
}

// ── The chart's series ──────────────────────────────────────────────────────────────

/// Usage per package per UTC day of a period, in microseconds (a day held whole is
/// `DAY_MICROS`): what the Billing page charts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    pub start: Date,
    pub days: u32,
    /// Package id → one value per day.
    pub packages: BTreeMap<String, Vec<i64>>,
}

impl Series {
    /// A day's value as a licence count (1.0 = one licence all day).
    pub fn licences(value: i64) -> f64 {
        value as f64 / DAY_MICROS as f64
    }
}

/// Adds up the day parts (`billing_usage::day_parts`) into one value per day and package.
pub fn daily_series(parts: &[DayParts], start: Date, end: Date) -> Series {
    let days = ((end - start).whole_days() + 1).max(0) as usize;
    let mut packages: BTreeMap<String, (i64, Vec<i64>)> = BTreeMap::new();
    // Parts come ordered by day; a package's running count of whole days carries over
    // the days that have no part of their own.
    let mut by_package: BTreeMap<&str, BTreeMap<Date, (i64, i64)>> = BTreeMap::new();
    for p in parts {
        let e = by_package
            .entry(p.package.as_str())
            .or_default()
            .entry(p.day)
            .or_default();
        e.0 += p.delta;
        e.1 += p.part;
    }
    for (package, by_day) in by_package {
        let (running, values) = packages
            .entry(package.to_string())
            .or_insert((0, vec![0; days]));
        for (i, value) in values.iter_mut().enumerate() {
            let day = start + Duration::days(i as i64);
            let (delta, part) = by_day.get(&day).copied().unwrap_or((0, 0));
            *running += delta;
            *value = *running * DAY_MICROS + part;
        }
    }
    Series {
        start,
        days: days as u32,
        packages: packages.into_iter().map(|(k, (_, v))| (k, v)).collect(),
    }
}

/// The report's daily series: computed from the history the first time the report is
/// shown and kept with it (generating the CSV does not pay for the chart).
pub async fn report_series(
    state: &AppState,
    scope: &PartnerScope,
    report: &ReportRow,
) -> AppResult<Option<Series>> {
    scope.require(PartnerAction::ViewBilling)?;
    if report.status != "COMPLETED" {
        return Ok(None);
    }
    if let Some(kept) = report
        .daily
        .clone()
        .and_then(|d| serde_json::from_value(d).ok())
    {
        return Ok(Some(kept));
    }
    let period = report_period(state, report).await?;
    let parts = billing_usage::day_parts(&state.db, &period, None).await?;
    let series = daily_series(&parts, report.start_date, report.end_date);
    let value = serde_json::to_value(&series).map_err(anyhow::Error::from)?;
    store::billing::set_daily(&state.db, scope.org_id(), report.id, &value).await?;
    Ok(Some(series))
}

/// One customer's daily series over a report's period (the chart's drill-down), with
/// its name; 404 for an org whose usage in the period is not billed to the report's
/// subject.
pub async fn customer_series(
    state: &AppState,
    scope: &PartnerScope,
    report: &ReportRow,
    customer: Uuid,
) -> AppResult<(String, Series)> {
    scope.require(PartnerAction::ViewBilling)?;
    let period = report_period(state, report).await?;
    let name = billing_usage::customer_name(&state.db, &period, customer)
        .await?
        .ok_or(AppError::NotFound)?;
    let parts = billing_usage::day_parts(&state.db, &period, Some(customer)).await?;
    Ok((
        name,
        daily_series(&parts, report.start_date, report.end_date),
    ))
}

/// The report's customers with their usage per package (largest first, at most `limit`).
pub async fn customers_of(
    state: &AppState,
    scope: &PartnerScope,
    report: &ReportRow,
    limit: i64,
) -> AppResult<Vec<billing_usage::CustomerUsage>> {
    scope.require(PartnerAction::ViewBilling)?;
    let period = report_period(state, report).await?;
    Ok(billing_usage::by_customer(&state.db, &period, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn part(day: Date, package: &str, delta: i64, part: i64) -> DayParts {
        DayParts {
            day,
            package: package.into(),
            delta,
            part,
        }
    }

    #[test]
    fn whole_days_carry_over_the_days_between_their_parts() {
        // One licence from noon on the 2nd to 06:00 on the 5th; another held all of the
        // 3rd only.
        let parts = vec![
            part(date!(2026 - 11 - 02), "webex_calling", 0, DAY_MICROS / 2),
            part(date!(2026 - 11 - 03), "webex_calling", 1, DAY_MICROS),
            part(date!(2026 - 11 - 05), "webex_calling", -1, DAY_MICROS / 4),
        ];
        let s = daily_series(&parts, date!(2026 - 11 - 01), date!(2026 - 11 - 06));
        assert_eq!(s.days, 6);
        let v: Vec<f64> = s.packages["webex_calling"]
            .iter()
            .map(|&m| Series::licences(m))
            .collect();
        assert_eq!(v, vec![0.0, 0.5, 2.0, 1.0, 0.25, 0.0]);
    }
}
