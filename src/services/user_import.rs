//! Control Hub's users CSV (SPEC §5): export in the import format, and an import in two
//! steps. *Preview* reads the whole file (`domain::user_csv`), compares every row with the
//! customer's records (does the user exist, is the location theirs, are seats free, is
//! the email someone else's) and stores the rows with what each would do and every error
//! and warning by line; nothing is changed. *Apply* (only for a preview without errors)
//! runs as a job, 200 rows to a transaction, through the rules of `services::subscribers`:
//! new users without a calling package together (`services::bulk_add`), every other row
//! in a savepoint of its own. Row states are written in the same transaction, so a job
//! that dies resumes at the first row not done and adds nobody twice; a row the rules
//! refuse at that moment is reported with the reason. The report lists every row with
//! what happened.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::packages::{self, Package};
use crate::domain::restrictions::Control;
use crate::domain::user_csv::{self, BASIC, Row, Wanted};
use crate::error::{AppError, AppResult};
use crate::jobs::payloads::ApplyUserImport;
use crate::jobs::queue::{self, ClaimedJob, JobPayload};
use crate::jobs::worker::JobContext;
use crate::services::bulk_add;
use crate::services::subscribers::{self, Asker, NewUser, UserChange};
use crate::state::AppState;
use crate::store;
use crate::store::user_imports::{Import, RowBatch, RowView};
use crate::tenancy::scope::{CustomerOrgId, CustomerScope};

/// The largest file an import reads.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// What the preview found wrong with the whole file, or the import it stored.
pub enum Previewed {
    Refused(String),
    Stored(Uuid),
}

/// A row as the job applies it: the file's row and the location it named, resolved.
#[derive(serde::Serialize, serde::Deserialize)]
struct Planned {
    row: Row,
    location_id: Option<Uuid>,
}

/// What the preview compares each row with.
struct Records {
    by_email: HashMap<String, store::user_imports::Existing>,
    locations: HashMap<String, Uuid>,
    /// Package → (quantity, assigned now), for the packages the customer holds.
    seats: HashMap<String, (Option<i32>, i64)>,
    elsewhere: HashSet<String>,
    phones_elsewhere: HashSet<String>,
    /// Extension → the email of the user holding it (workspaces: "").
    extensions: HashMap<String, String>,
}

pub async fn preview(
    state: &AppState,
    scope: &CustomerScope,
    file_name: &str,
    bytes: &[u8],
    add_remove_services: bool,
) -> AppResult<Previewed> {
    scope.require_change(Control::ManageUsers)?;
    if bytes.len() > MAX_BYTES {
        return Ok(Previewed::Refused(format!(
            "The file is {:.1} MB; an import reads at most {} MB. Split it into smaller files.",
            bytes.len() as f64 / 1_048_576.0,
            MAX_BYTES / 1_048_576
        )));
    }
    let mut rows = vec![];
    if let Err(e) = user_csv::read(bytes, |r| rows.push(r)) {
        return Ok(Previewed::Refused(e.to_string()));
    }
    if rows.is_empty() {
        return Ok(Previewed::Refused(
            "The file has a header row but no users.".into(),
        ));
    }
    let customer = scope.org_id();
    let records = records(state, customer, &rows).await?;
    let mut seats = records.seats.clone();
    let mut extensions = records.extensions.clone();
    let (mut adds, mut modifies, mut deletes, mut errors, mut warnings) = (0, 0, 0, 0, 0);
    let mut batch = RowBatch::default();
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let now = state.clock.now();
    let header = Import {
        id,
        org_id: scope.org.id,
        created_by: scope.actor.person_id,
        acting_for_org_id: scope.partner.as_ref().map_or(scope.org.id, |p| p.id),
        file_name: file_name.chars().take(200).collect(),
        add_remove_services,
        status: "previewed".into(),
        rows_total: rows.len() as i32,
        adds: 0,
        modifies: 0,
        deletes: 0,
        errors: 0,
        warnings: 0,
        created_at: now,
        finished_at: None,
    };
    store::user_imports::insert(&mut tx, &header).await?;
    for mut row in rows {
        let (action, location_id) = decide(&mut row, &records, &mut seats, &mut extensions);
        match action {
            "add" => adds += 1,
            "modify" => modifies += 1,
            "delete" => deletes += 1,
            _ => {}
        }
        errors += row.errors.len() as i32;
        warnings += row.warnings.len() as i32;
        batch.lines.push(row.line as i32);
        batch.emails.push(row.email.clone());
        batch.actions.push(action.to_string());
        batch.errors.push(serde_json::json!(row.errors));
        batch.warnings.push(serde_json::json!(row.warnings));
        batch
            .data
            .push(serde_json::to_value(Planned { row, location_id }).map_err(anyhow::Error::from)?);
        if batch.len() >= 1000 {
            store::user_imports::insert_rows(&mut tx, id, &batch).await?;
            batch = RowBatch::default();
        }
    }
    if !batch.is_empty() {
        store::user_imports::insert_rows(&mut tx, id, &batch).await?;
    }
    store::user_imports::set_counts(&mut tx, id, [adds, modifies, deletes, errors, warnings])
        .await?;
    tx.commit().await?;
    Ok(Previewed::Stored(id))
}

async fn records(state: &AppState, customer: CustomerOrgId, rows: &[Row]) -> AppResult<Records> {
    let existing = store::user_imports::existing(&state.db, customer).await?;
    let mut extensions: HashMap<String, String> = existing
        .iter()
        .filter_map(|e| e.extension.clone().map(|x| (x, e.email.to_lowercase())))
        .collect();
    for x in store::user_imports::workspace_extensions(&state.db, customer).await? {
        extensions.insert(x, String::new());
    }
    let by_email: HashMap<String, _> = existing
        .into_iter()
        .map(|e| (e.email.to_lowercase(), e))
        .collect();
    let new_emails: Vec<String> = rows
        .iter()
        .map(|r| r.email.to_lowercase())
        .filter(|e| !by_email.contains_key(e))
        .collect();
    let phones: Vec<String> = rows
        .iter()
        .filter(|r| !r.phone.is_empty())
        .map(|r| r.phone.clone())
        .collect();
    Ok(Records {
        locations: store::users::location_choices(&state.db, customer)
            .await?
            .into_iter()
            .map(|(id, name)| (name.to_lowercase(), id))
            .collect(),
        seats: store::customers::packages(&state.db, customer)
            .await?
            .into_iter()
            .filter(|s| s.live())
            .map(|s| (s.package, (s.quantity, s.assigned)))
            .collect(),
        elsewhere: store::people::emails_taken(
            &state.db,
            &new_emails.iter().map(String::as_str).collect::<Vec<_>>(),
            Some(customer.id()),
        )
        .await?
        .into_iter()
        .collect(),
        phones_elsewhere: store::user_imports::phones_elsewhere(&state.db, customer, &phones)
            .await?
            .into_iter()
            .collect(),
        by_email,
        extensions,
    })
}

/// What a row would do, with its problems added; seats and extensions are counted as the
/// rows before it would leave them (the job applies rows in the file's order).
fn decide(
    row: &mut Row,
    r: &Records,
    seats: &mut HashMap<String, (Option<i32>, i64)>,
    extensions: &mut HashMap<String, String>,
) -> (&'static str, Option<Uuid>) {
    if !row.errors.is_empty() {
        return ("none", None);
    }
    let email = row.email.to_lowercase();
    let existing = r.by_email.get(&email);
    match row.wanted.clone() {
        None => ("none", None),
        Some(Wanted::Delete) => match existing.and_then(|e| e.subscriber_id.map(|_| e)) {
            Some(e) => {
                if let Some(p) = &e.package
                    && let Some(s) = seats.get_mut(p)
                {
                    s.1 -= 1;
                }
                ("delete", None)
            }
            None => {
                row.errors.push(format!(
                    "Every package column is FALSE, which deletes a user, but {} holds no package here.",
                    row.email
                ));
                ("none", None)
            }
        },
        Some(Wanted::Package(package)) => {
            let name = packages::display_name(&package);
            if r.elsewhere.contains(&email) {
                row.errors.push(format!(
                    "{} belongs to a person of another organisation: an external user cannot receive a wholesale package.",
                    row.email
                ));
                return ("none", None);
            }
            let Some((quantity, assigned)) = seats.get(&package).copied() else {
                row.errors
                    .push(format!("This customer does not have {name} ({package})."));
                return ("none", None);
            };
            let location_id = if row.location.is_empty() {
                None
            } else {
                match r.locations.get(&row.location.to_lowercase()) {
                    Some(id) => Some(*id),
                    None => {
                        row.errors.push(format!(
                            "“{}” is not a location of this customer.",
                            row.location
                        ));
                        return ("none", None);
                    }
                }
            };
            if !row.extension.is_empty()
                && let Some(holder) = extensions.get(&row.extension)
                && *holder != email
            {
                row.errors.push(format!(
                    "Extension {} is already assigned to another user or workspace.",
                    row.extension
                ));
                return ("none", None);
            }
            if !row.phone.is_empty() && r.phones_elsewhere.contains(&row.phone) {
                row.errors.push(format!(
                    "{} is already assigned to another user or workspace.",
                    row.phone
                ));
                return ("none", None);
            }
            let changing_package =
                existing.and_then(|e| e.package.as_deref()) != Some(package.as_str());
            if changing_package
                && let Some(q) = quantity
                && assigned >= i64::from(q)
            {
                row.errors.push(format!(
                    "All {q} of {name} would be assigned: the package's limit is {q}."
                ));
                return ("none", None);
            }
            if changing_package {
                seats.insert(package.clone(), (quantity, assigned + 1));
                if let Some(old) = existing.and_then(|e| e.package.clone())
                    && let Some(s) = seats.get_mut(&old)
                {
                    s.1 -= 1;
                }
            }
            if !row.extension.is_empty() {
                extensions.insert(row.extension.clone(), email.clone());
            }
            match existing {
                Some(e) if e.subscriber_id.is_some() => {
                    if unchanged(row, e, location_id.is_some()) {
                        row.warnings.push("Nothing to change for this user.".into());
                        ("none", location_id)
                    } else {
                        ("modify", location_id)
                    }
                }
                _ => ("add", location_id),
            }
        }
    }
}

fn unchanged(row: &Row, e: &store::user_imports::Existing, has_location: bool) -> bool {
    let same = |a: &str, b: &Option<String>| a == b.as_deref().unwrap_or_default();
    Some(row.wanted.clone()) == Some(e.package.clone().map(Wanted::Package))
        && row.first_name == e.first_name
        && row.last_name == e.last_name
        && same(&row.display_name, &e.display_name)
        && same(&row.extension, &e.extension)
        && same(&row.phone, &e.primary_phone_number)
        && (!has_location || same(&row.location, &e.location))
        && same(&row.preferred_site, &e.preferred_site)
        && row.jabber_calling == e.jabber_calling
        && row.jabber_teams == e.jabber_teams
        && {
            let mut a = row.basic.clone();
            let mut b = e.basic_services.clone();
            a.sort();
            b.sort();
            a == b
        }
}

/// Starts applying a preview without errors; the job does the rows.
pub async fn apply(state: &AppState, scope: &CustomerScope, id: Uuid) -> AppResult<()> {
    scope.require_change(Control::ManageUsers)?;
    let import = store::user_imports::one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if import.errors > 0 {
        return Err(AppError::Conflict(format!(
            "This file has {} error(s): fix them in the file and upload it again.",
            import.errors
        )));
    }
    let mut tx = state.db.begin().await?;
    if !store::user_imports::start(&mut tx, id).await? {
        return Err(AppError::Conflict(
            "This import has already been applied.".into(),
        ));
    }
    queue::enqueue_payload(
        &mut tx,
        &ApplyUserImport {
            import_id: id,
            org_id: scope.org.id,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub const APPLY_JOB: &str = ApplyUserImport::KIND;

/// How long one run of the job works before it hands the rest to a new job (well inside
/// the worker's lease).
const SLICE: std::time::Duration = std::time::Duration::from_secs(15);

/// The job: applies the pending rows in the file's order.
pub async fn run_apply(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let payload = ApplyUserImport::of(&job)?;
    let Some(import) = store::user_imports::for_job(&ctx.db, payload.import_id).await? else {
        return Ok(());
    };
    let creator = store::people::by_id(&ctx.db, import.created_by).await?;
    let email = creator
        .as_ref()
        .map(|p| p.email.clone())
        .unwrap_or_default();
    let asker = Asker {
        person_id: import.created_by,
        email: &email,
        acting_for: import.acting_for_org_id,
        ctx: None,
    };
    let started = std::time::Instant::now();
    loop {
        if !apply_batch(&ctx, &import, &asker).await? {
            store::user_imports::finish(&ctx.db, import.id, ctx.clock.now()).await?;
            return Ok(());
        }
        if started.elapsed() > SLICE {
            // The rest in a new job, so this one ends inside its lease.
            let mut conn = ctx.db.acquire().await?;
            queue::enqueue_payload(&mut conn, &payload, ctx.clock.now()).await?;
            return Ok(());
        }
    }
}

/// Rows applied in one transaction: each in a savepoint of its own, so a refused row is
/// undone alone and reported, and the rows' states commit with their changes (a batch is
/// done entirely or not at all, and is never done twice).
const BATCH: i64 = 200;

/// Applies the next batch of pending rows (those another worker holds are skipped);
/// answers whether there was one. New users whose package needs no number go in
/// together (`bulk_add`); every other row, and any the set-based path leaves, one at a
/// time in file order.
async fn apply_batch(ctx: &JobContext, import: &Import, asker: &Asker<'_>) -> anyhow::Result<bool> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let pending = store::user_imports::claim_batch(&mut tx, import.id, BATCH).await?;
    if pending.is_empty() {
        return Ok(false);
    }
    let basic_default: Vec<String> = BASIC.iter().map(|(_, id)| id.to_string()).collect();
    // The customer, locked once for the batch (users added at the same moment elsewhere
    // wait for it, as for any add).
    let Some(facts) = store::subscribers::customer_facts(&mut tx, import.org_id).await? else {
        return Ok(false);
    };
    let rows: Vec<(i32, String, Planned)> = pending
        .into_iter()
        .map(|p| Ok((p.line, p.action, serde_json::from_value(p.data)?)))
        .collect::<anyhow::Result<_>>()?;
    let basics: Vec<Vec<String>> = rows
        .iter()
        .map(|(_, _, planned)| {
            if import.add_remove_services {
                planned.row.basic.clone()
            } else {
                basic_default.clone()
            }
        })
        .collect();

    let added = add_plain_rows(&mut tx, import, &facts, asker, &rows, &basics, now).await?;
    let mut has_admin = facts.has_full_admin;
    for ((line, action, planned), basic) in rows.iter().zip(&basics) {
        if added.contains(line) {
            continue;
        }
        let row = &planned.row;
        let mut sp = sqlx::Connection::begin(&mut *tx).await?;
        let outcome = match action.as_str() {
            "add" => {
                add_row(
                    &mut sp,
                    import,
                    &facts,
                    &mut has_admin,
                    asker,
                    row,
                    planned.location_id,
                    now,
                )
                .await
            }
            "modify" => modify_row(&mut sp, import, asker, row, planned.location_id, now).await,
            "delete" => delete_row(&mut sp, import, asker, row, now).await,
            _ => Ok("skipped".into()),
        };
        let failed = match outcome {
            Ok(result) => {
                if action != "delete" {
                    store::user_imports::set_extras(
                        &mut sp,
                        &row.email,
                        basic,
                        Some(row.preferred_site.as_str()).filter(|s| !s.is_empty()),
                        row.jabber_calling,
                        row.jabber_teams,
                    )
                    .await?;
                }
                store::user_imports::mark(&mut *sp, import.id, *line, "done", &result).await?;
                None
            }
            Err(AppError::Validation(errors)) => Some(
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Err(AppError::Conflict(why)) => Some(why),
            Err(AppError::NotFound) => Some("The user is no longer there.".into()),
            Err(e) => return Err(anyhow::anyhow!("line {line}: {e}")),
        };
        match failed {
            None => sp.commit().await?,
            Some(why) => {
                // Undo this row alone; the others of the batch stay.
                sp.rollback().await?;
                store::user_imports::mark(&mut *tx, import.id, *line, "failed", &why).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// The batch's new users without a calling package, added together and marked done;
/// answers their lines.
async fn add_plain_rows(
    tx: &mut sqlx::PgConnection,
    import: &Import,
    facts: &store::subscribers::CustomerFacts,
    asker: &Asker<'_>,
    rows: &[(i32, String, Planned)],
    basics: &[Vec<String>],
    now: OffsetDateTime,
) -> anyhow::Result<HashSet<i32>> {
    let mut seats_wanted: HashMap<&str, usize> = HashMap::new();
    let mut plain = vec![];
    for ((line, action, planned), basic) in rows.iter().zip(basics) {
        let row = &planned.row;
        let Some(Wanted::Package(package)) = &row.wanted else {
            continue;
        };
        *seats_wanted.entry(package.as_str()).or_default() += 1;
        if action != "add" || Package::parse(package).is_none_or(Package::is_calling) {
            continue;
        }
        plain.push(bulk_add::PlainRow {
            line: *line,
            user: NewUser {
                email: opt(&row.email),
                first_name: opt(&row.first_name),
                last_name: opt(&row.last_name),
                package: Some(package.clone()),
                ..NewUser::default()
            },
            display_name: Some(row.display_name.trim()).filter(|s| !s.is_empty()),
            basic,
            preferred_site: Some(row.preferred_site.as_str()).filter(|s| !s.is_empty()),
            jabber_calling: row.jabber_calling,
            jabber_teams: row.jabber_teams,
        });
    }
    if plain.is_empty() {
        return Ok(HashSet::new());
    }
    let added = bulk_add::add_plain(tx, import.org_id, facts, &plain, &seats_wanted, asker, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let results: Vec<(i32, String)> = added
        .iter()
        .map(|a| (a.line, added_result(a.package.id())))
        .collect();
    store::user_imports::mark_many(&mut *tx, import.id, &results, "done").await?;
    Ok(added.iter().map(|a| a.line).collect())
}

/// What the report says of a row that added its user.
fn added_result(package: &str) -> String {
    format!("Added with {}.", packages::display_name(package))
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `facts` is the customer as the batch locked it; `has_admin` follows the rows that made
/// its first full admin.
#[allow(clippy::too_many_arguments)]
async fn add_row(
    tx: &mut sqlx::PgConnection,
    import: &Import,
    facts: &store::subscribers::CustomerFacts,
    has_admin: &mut bool,
    asker: &Asker<'_>,
    row: &Row,
    location_id: Option<Uuid>,
    now: OffsetDateTime,
) -> AppResult<String> {
    let Some(Wanted::Package(package)) = &row.wanted else {
        return Ok("skipped".into());
    };
    let calling = Package::parse(package).is_some_and(Package::is_calling);
    let user = NewUser {
        email: opt(&row.email),
        first_name: opt(&row.first_name),
        last_name: opt(&row.last_name),
        package: Some(package.clone()),
        primary_phone_number: opt(&row.phone).filter(|_| calling),
        extension: opt(&row.extension).filter(|_| calling),
        location_id: location_id.filter(|_| calling),
    };
    match subscribers::add_in(tx, import.org_id, facts, *has_admin, &user, asker, now).await? {
        Ok((_, made_admin)) => {
            *has_admin |= made_admin;
            // The names went in with the person; a display name is the file's extra.
            if let Some(display) = opt(&row.display_name)
                && let Some(person) = store::people::by_email(&mut *tx, &row.email).await?
            {
                store::user_imports::set_names(
                    tx,
                    import.org_id,
                    person.id,
                    &row.first_name,
                    &row.last_name,
                    Some(&display),
                )
                .await?;
            }
            Ok(added_result(package))
        }
        Err(errors) => Err(AppError::Validation(errors)),
    }
}

async fn modify_row(
    tx: &mut sqlx::PgConnection,
    import: &Import,
    asker: &Asker<'_>,
    row: &Row,
    location_id: Option<Uuid>,
    now: OffsetDateTime,
) -> AppResult<String> {
    let Some(Wanted::Package(package)) = &row.wanted else {
        return Ok("skipped".into());
    };
    let person = store::people::by_email(&mut *tx, &row.email)
        .await?
        .filter(|p| p.org_id == import.org_id)
        .ok_or(AppError::NotFound)?;
    let subscriber = store::subscribers::id_of_person(tx, person.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let calling = Package::parse(package).is_some_and(Package::is_calling);
    let change = UserChange {
        package: Some(package.clone()),
        primary_phone_number: opt(&row.phone).filter(|_| calling),
        extension: opt(&row.extension).filter(|_| calling),
        location_id: location_id.filter(|_| calling),
    };
    subscribers::change_in(tx, import.org_id, subscriber, &change, asker, now).await?;
    let display = opt(&row.display_name);
    store::user_imports::set_names(
        tx,
        import.org_id,
        person.id,
        &row.first_name,
        &row.last_name,
        display.as_deref(),
    )
    .await?;
    Ok(format!("Modified ({}).", packages::display_name(package)))
}

async fn delete_row(
    tx: &mut sqlx::PgConnection,
    import: &Import,
    asker: &Asker<'_>,
    row: &Row,
    now: OffsetDateTime,
) -> AppResult<String> {
    let person = store::people::by_email(&mut *tx, &row.email)
        .await?
        .filter(|p| p.org_id == import.org_id)
        .ok_or(AppError::NotFound)?;
    let subscriber = store::subscribers::id_of_person(tx, person.id)
        .await?
        .ok_or(AppError::NotFound)?;
    subscribers::remove_in(tx, import.org_id, subscriber, asker, now).await?;
    Ok("Deleted.".into())
}

/// The export: every user of the customer in the import's format.
pub async fn export(state: &AppState, scope: &CustomerScope) -> AppResult<Vec<u8>> {
    let mut csv = crate::domain::csv_export::CsvExport::new();
    csv.row(user_csv::header()).map_err(anyhow::Error::from)?;
    for e in store::user_imports::existing(&state.db, scope.org_id()).await? {
        if e.subscriber_id.is_none() {
            // Admins without a package are not users of the import.
            continue;
        }
        csv.row(user_csv::export_cells(&user_csv::ExportUser {
            first_name: &e.first_name,
            last_name: &e.last_name,
            display_name: e.display_name.as_deref().unwrap_or_default(),
            email: &e.email,
            extension: e.extension.as_deref().unwrap_or_default(),
            phone: e.primary_phone_number.as_deref().unwrap_or_default(),
            location: e.location.as_deref().unwrap_or_default(),
            package: e.package.as_deref(),
            basic: &e.basic_services,
            preferred_site: e.preferred_site.as_deref().unwrap_or_default(),
            jabber_calling: e.jabber_calling,
            jabber_teams: e.jabber_teams,
        }))
        .map_err(anyhow::Error::from)?;
    }
    Ok(csv.finish()?)
}

/// An import as its page shows it: the preview's or the job's progress, the rows to
/// look at (the preview's errors and warnings, or once done the rows that failed), and
/// whether the asker may apply it now.
pub struct ImportView {
    pub import: Import,
    pub problems: Vec<RowView>,
    pub done: i64,
    pub failed: i64,
    pub total: i64,
    pub may_apply: bool,
}

/// The most rows the page lists; the report has them all.
const ROWS_SHOWN: i64 = 500;

pub async fn view(state: &AppState, scope: &CustomerScope, id: Uuid) -> AppResult<ImportView> {
    let import = store::user_imports::one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (done, failed, total) = store::user_imports::progress(&state.db, id).await?;
    let which = if import.status == "done" {
        store::user_imports::Rows::Failed
    } else {
        store::user_imports::Rows::Problems
    };
    let problems = store::user_imports::rows(&state.db, id, which, ROWS_SHOWN).await?;
    Ok(ImportView {
        may_apply: scope.may_change(Control::ManageUsers)
            && import.errors == 0
            && import.status == "previewed",
        import,
        problems,
        done,
        failed,
        total,
    })
}

/// The report of an import: every row with what happened to it.
pub async fn report(state: &AppState, scope: &CustomerScope, id: Uuid) -> AppResult<Vec<u8>> {
    store::user_imports::one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut csv = crate::domain::csv_export::CsvExport::new();
    csv.row([
        "Line", "Email", "Action", "Result", "Details", "Errors", "Warnings",
    ])
    .map_err(anyhow::Error::from)?;
    let rows = store::user_imports::rows(&state.db, id, store::user_imports::Rows::All, i64::MAX);
    for r in rows.await? {
        csv.row([
            r.line.to_string(),
            r.email,
            r.action,
            r.state,
            r.result.unwrap_or_default(),
            r.errors.join(" | "),
            r.warnings.join(" | "),
        ])
        .map_err(anyhow::Error::from)?;
    }
    Ok(csv.finish()?)
}
