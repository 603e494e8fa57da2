//! Control Hub → Users (SPEC §5, §7): the list with search, package and status filters
//! and paging; adding up to 25 users in one form; a user's detail with their names,
//! package and number, admin role, package history and removal. Every control that
//! restricted mode locks is shown locked, and refused by the service whatever is posted.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::packages::{self, Package};
use crate::domain::restrictions::Control;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::subscribers::{MAX_BATCH, NewUser, UserChange};
use crate::services::users::{self as user_service, NamesInput};
use crate::state::AppState;
use crate::store;
use crate::store::customers::PackageRow;
use crate::store::users::{HistoryRow, PAGE_SIZE, UserDetail, UserFilter, UserRow};
use crate::web::fields::{FormErrors, form_errors};
use crate::web::forms::{Choice, Form, Query, choices, field_message, optional};
use crate::web::views::PageCtx;

fn package_name(p: &Option<String>) -> String {
    p.as_deref()
        .map(packages::display_name)
        .unwrap_or_else(|| "—".into())
}

fn role_names(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| crate::web::partner_role_label(r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn when(t: &time::OffsetDateTime) -> String {
    crate::web::fmt::datetime(t)
}

fn users_path(org: Uuid) -> String {
    paths::control(org, "users")
}

fn user_path(org: Uuid, person: Uuid) -> String {
    format!("{}/{person}", users_path(org))
}

// ── The list ────────────────────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "control/users.html")]
pub struct UsersPage {
    page: PageCtx,
    org_id: Uuid,
    rows: Vec<UserRow>,
    total: i64,
    q: String,
    package_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    page_no: i64,
    pages: i64,
    may_manage_users: bool,
    filtered: bool,
}

impl UsersPage {
    fn page_link(&self, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let mut pairs = vec![];
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for (name, list) in [
            ("package", &self.package_choices),
            ("status", &self.status_choices),
        ] {
            if let Some(c) = list.iter().find(|c| c.selected && !c.value.is_empty()) {
                pairs.push((name, c.value.clone()));
            }
        }
        pairs.push(("page", n.to_string()));
        format!(
            "{}?{}",
            users_path(self.org_id),
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

const STATUSES: [(&str, &str); 3] = [
    ("provisioned", "Active"),
    ("provisioning", "Provisioning"),
    ("error", "Error"),
];

pub async fn list(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let mut errors = vec![];
    let search = optional(&q.q);
    let package = optional(&q.package);
    if let Some(p) = &package
        && p != "none"
        && Package::parse(p).is_none()
    {
        errors.push(format!("“{p}” is not a package."));
    }
    let status = optional(&q.status);
    if let Some(s) = &status
        && !STATUSES.iter().any(|(v, _)| v == s)
    {
        errors.push(format!("“{s}” is not a status this list offers."));
    }
    let page_no = match optional(&q.page) {
        None => 1,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                errors.push(format!("“{raw}” is not a page number."));
                1
            }
        },
    };
    let asked = if errors.is_empty() {
        UserFilter {
            search: search.clone(),
            package: package.clone(),
            status: status.clone(),
            wholesale_only: false,
        }
    } else {
        UserFilter::default()
    };
    let filter = user_service::visible(&scope, asked);
    let rows = store::users::page(
        &state.db,
        &state.list_db,
        scope.org_id(),
        &filter,
        page_no,
        scope.people,
    )
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let mut package_items = vec![(String::new(), "Any package".to_string())];
    package_items.extend(
        scope
            .org
            .packages
            .iter()
            .map(|p| (p.clone(), packages::display_name(p))),
    );
    package_items.push(("none".into(), "No package (admins)".into()));
    let mut status_items = vec![(String::new(), "Any status".to_string())];
    status_items.extend(STATUSES.iter().map(|(v, l)| (v.to_string(), l.to_string())));
    let mut page = PageCtx::control(&scope, &session, "users", "Users").await?;
    let bad = !errors.is_empty();
    if bad {
        page.flash = Some(errors.join(" "));
    }
    let view = UsersPage {
        page,
        org_id: scope.org.id,
        total,
        rows,
        q: search.unwrap_or_default(),
        package_choices: choices(package_items, package.as_deref().unwrap_or_default()),
        status_choices: choices(status_items, status.as_deref().unwrap_or_default()),
        page_no,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        may_manage_users: scope.may_change(Control::ManageUsers),
        filtered: filter.search.is_some() || filter.package.is_some() || filter.status.is_some(),
    };
    let status = if bad {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, view).into_response())
}

// ── Adding users ────────────────────────────────────────────────────────────────────

/// One row of the add form, as typed.
#[derive(Default, Clone)]
pub struct RowInput {
    first_name: String,
    last_name: String,
    email: String,
    package: String,
    location: String,
    extension: String,
    phone: String,
}

impl RowInput {
    fn is_blank(&self) -> bool {
        [
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.extension,
            &self.phone,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "control/users_new.html")]
pub struct NewUsersPage {
    page: PageCtx,
    org_id: Uuid,
    rows: Vec<RowInput>,
    /// Per row: form field name → messages.
    row_errors: Vec<FormErrors>,
    packages: Vec<(String, String)>,
    locations: Vec<(Uuid, String)>,
    seats: Vec<PackageRow>,
    summary: Vec<String>,
    max: usize,
}

impl NewUsersPage {
    fn error(&self, i: &usize, field: &str) -> String {
        self.row_errors
            .get(*i)
            .map(|e| field_message(e, field))
            .unwrap_or_default()
    }
    fn has_error(&self, i: &usize, field: &str) -> bool {
        self.row_errors
            .get(*i)
            .is_some_and(|e| e.contains_key(field))
    }
    fn seat_text(&self, s: &PackageRow) -> String {
        match s.free() {
            None => format!("{}: unlimited", packages::display_name(&s.package)),
            Some(n) => format!(
                "{}: {n} of {} free",
                packages::display_name(&s.package),
                s.quantity.unwrap_or_default()
            ),
        }
    }
    fn location_selected(&self, row: &RowInput, id: &Uuid) -> bool {
        row.location == id.to_string()
    }
}

/// The packages on offer (`services::users::packages_on_offer`), named for a `<select>`.
fn offered(held: &[PackageRow]) -> Vec<(String, String)> {
    user_service::packages_on_offer(held)
        .into_iter()
        .map(|p| {
            let name = packages::display_name(&p);
            (p, name)
        })
        .collect()
}

async fn new_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    rows: Vec<RowInput>,
    row_errors: Vec<FormErrors>,
    summary: Vec<String>,
) -> AppResult<NewUsersPage> {
    let mut seats = store::customers::packages(&state.db, scope.org_id()).await?;
    seats.retain(PackageRow::live);
    Ok(NewUsersPage {
        page: PageCtx::control(scope, session, "users", "Add users").await?,
        org_id: scope.org.id,
        rows,
        row_errors,
        packages: offered(&seats),
        locations: store::users::location_choices(&state.db, scope.org_id()).await?,
        seats,
        summary,
        max: MAX_BATCH,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    rows: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Query(q): Query<NewQuery>,
) -> AppResult<NewUsersPage> {
    scope.require_change(Control::ManageUsers)?;
    let n = q
        .rows
        .trim()
        .parse::<usize>()
        .unwrap_or(5)
        .clamp(1, MAX_BATCH);
    new_page(
        &state,
        &scope,
        &session,
        vec![RowInput::default(); n],
        vec![],
        vec![],
    )
    .await
}

/// The rows of the add form: `first_name_0`, `email_0`, … for rows 0–24; blank rows are
/// left out, the others keep their index for the messages.
fn read_rows(form: &HashMap<String, String>) -> Vec<RowInput> {
    let get = |name: &str, i: usize| {
        form.get(&format!("{name}_{i}"))
            .cloned()
            .unwrap_or_default()
    };
    (0..MAX_BATCH)
        .map(|i| RowInput {
            first_name: get("first_name", i),
            last_name: get("last_name", i),
            email: get("email", i),
            package: get("package", i),
            location: get("location", i),
            extension: get("extension", i),
            phone: get("phone", i),
        })
        .collect()
}

/// The service's field names (the API's) as this form's.
fn row_field(api: &str) -> &str {
    match api {
        "firstName" => "first_name",
        "lastName" => "last_name",
        "packages" => "package",
        "locationId" => "location",
        "primaryPhoneNumber" => "phone",
        other => other,
    }
}

pub async fn add(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    // The restriction first: a locked admin learns nothing about their rows.
    scope.require_change(Control::ManageUsers)?;
    let all = read_rows(&form);
    let kept: Vec<(usize, &RowInput)> = all
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .collect();
    let shown_rows = |all: &[RowInput]| {
        let last = all.iter().rposition(|r| !r.is_blank()).unwrap_or(0);
        all[..=last.clamp(4, MAX_BATCH - 1)].to_vec()
    };
    if kept.is_empty() {
        let page = new_page(
            &state,
            &scope,
            &session,
            shown_rows(&all),
            vec![],
            vec!["Fill in at least one user.".into()],
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let mut bad_location = vec![];
    let users: Vec<NewUser> = kept
        .iter()
        .map(|(i, r)| {
            let location_id = optional(&r.location).and_then(|l| {
                let id = Uuid::parse_str(&l).ok();
                if id.is_none() {
                    bad_location.push(*i);
                }
                id
            });
            NewUser {
                email: optional(&r.email),
                first_name: optional(&r.first_name),
                last_name: optional(&r.last_name),
                package: optional(&r.package),
                primary_phone_number: optional(&r.phone),
                extension: optional(&r.extension),
                location_id,
            }
        })
        .collect();
    let outcome = user_service::add(&state, &scope, &users, &req.ctx()).await?;
    match outcome {
        Ok(ids) => {
            let n = ids.len();
            session
                .flash(&format!("{n} user{} added.", if n == 1 { "" } else { "s" }))
                .await?;
            Ok(Redirect::to(&users_path(scope.org.id)).into_response())
        }
        Err(refused) => {
            let shown = shown_rows(&all);
            let mut row_errors = vec![FormErrors::new(); shown.len()];
            let mut summary = vec![];
            for (k, errors) in refused {
                let (i, row) = kept[k];
                let fields = form_errors(errors);
                let who = optional(&row.email).unwrap_or_else(|| format!("row {}", i + 1));
                for (name, messages) in fields {
                    let name = row_field(&name).to_string();
                    summary.push(format!("Row {} ({who}): {}", i + 1, messages.join(" ")));
                    if let Some(e) = row_errors.get_mut(i) {
                        e.entry(name).or_default().extend(messages);
                    }
                }
            }
            for i in bad_location {
                summary.push(format!("Row {}: choose a location from the list.", i + 1));
            }
            let page = new_page(&state, &scope, &session, shown, row_errors, summary).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

// ── One user ────────────────────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "control/user.html")]
pub struct UserPage {
    page: PageCtx,
    org_id: Uuid,
    user: UserDetail,
    history: Vec<HistoryRow>,
    names: NamesInput,
    package_choices: Vec<Choice>,
    locations: Vec<(Uuid, String)>,
    number: (String, String),
    role: String,
    errors: FormErrors,
    may_names: bool,
    may_package: bool,
    may_number: bool,
    may_remove: bool,
    may_roles: bool,
}

impl UserPage {
    fn error(&self, field: &str) -> String {
        field_message(&self.errors, field)
    }
    fn is_role(&self, r: &str) -> bool {
        self.role == r
    }
    fn location_selected(&self, id: &Uuid) -> bool {
        self.user.location_id == Some(*id)
    }
}

fn role_of(user: &UserDetail) -> &'static str {
    if user.roles.iter().any(|r| r == "customer_full_admin") {
        "full"
    } else if user.roles.iter().any(|r| r == "customer_readonly_admin") {
        "readonly"
    } else {
        "none"
    }
}

async fn user_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    person: Uuid,
    edit: impl FnOnce(&mut UserPage),
) -> AppResult<UserPage> {
    let user = user_service::detail(state, scope, person).await?;
    let seats = store::customers::packages(&state.db, scope.org_id()).await?;
    let current = user.package.clone().unwrap_or_default();
    let mut offered = offered(&seats);
    if !current.is_empty() && !offered.iter().any(|(p, _)| *p == current) {
        offered.insert(0, (current.clone(), packages::display_name(&current)));
    }
    let name = format!("{} {}", user.first_name, user.last_name);
    let mut page = UserPage {
        page: PageCtx::control(scope, session, "users", name.trim()).await?,
        org_id: scope.org.id,
        history: store::users::history(&state.db, scope.org_id(), person).await?,
        names: NamesInput {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            display_name: user.display_name.clone().unwrap_or_default(),
            email: user.email.clone(),
        },
        package_choices: choices(offered, &current),
        locations: store::users::location_choices(&state.db, scope.org_id()).await?,
        number: (
            user.primary_phone_number.clone().unwrap_or_default(),
            user.extension.clone().unwrap_or_default(),
        ),
        role: role_of(&user).to_string(),
        errors: FormErrors::new(),
        may_names: scope.may_change(Control::UserNames),
        may_package: scope.may_change(Control::UserPackagesAndServices)
            && user.subscriber_id.is_some(),
        may_number: scope.may_change(Control::UserPrimaryNumber) && user.subscriber_id.is_some(),
        may_remove: scope.may_change(Control::ManageUsers) && user.subscriber_id.is_some(),
        may_roles: user_service::may_give_roles(scope),
        user,
    };
    edit(&mut page);
    Ok(page)
}

pub async fn show(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Path((_, person)): Path<(String, String)>,
) -> AppResult<UserPage> {
    let person = Uuid::parse_str(&person).map_err(|_| AppError::NotFound)?;
    user_page(&state, &scope, &session, person, |_| {}).await
}

fn person_id(raw: &str) -> AppResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// After a change: back to the user with a message, or the page again with the errors
/// beside the fields and what was typed kept.
async fn answer(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    person: Uuid,
    done: AppResult<()>,
    said: &str,
    keep: impl FnOnce(&mut UserPage),
) -> AppResult<Response> {
    match done {
        Ok(()) => {
            session.flash(said).await?;
            Ok(Redirect::to(&user_path(scope.org.id, person)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let fields: FormErrors = form_errors(errors)
                .into_iter()
                .map(|(k, v)| (row_field(&k).to_string(), v))
                .collect();
            let page = user_page(state, scope, session, person, |p| {
                keep(p);
                p.errors = fields;
            })
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

// Every field defaults, so that a refused visitor is told so before anything about
// their form (the service checks the role and the mode first).
#[derive(Deserialize)]
pub struct NamesForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
}

pub async fn save_names(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, person)): Path<(String, String)>,
    Form(f): Form<NamesForm>,
) -> AppResult<Response> {
    let person = person_id(&person)?;
    let input = NamesInput {
        first_name: f.first_name,
        last_name: f.last_name,
        display_name: f.display_name,
        email: f.email,
    };
    let done = user_service::set_names(&state, &scope, person, &input, &req.ctx()).await;
    answer(
        &state,
        &scope,
        &session,
        person,
        done,
        "Names saved.",
        |p| p.names = input,
    )
    .await
}

#[derive(Deserialize)]
pub struct PackageForm {
    #[serde(default)]
    package: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    extension: String,
}

fn change_of(f: &PackageForm, package: bool) -> AppResult<UserChange> {
    let location_id = match optional(&f.location) {
        None => None,
        Some(l) => Some(Uuid::parse_str(&l).map_err(|_| {
            AppError::field(
                crate::domain::fields::Field::Other("location".into()),
                "Choose a location from the list.",
            )
        })?),
    };
    Ok(UserChange {
        package: if package { optional(&f.package) } else { None },
        primary_phone_number: optional(&f.phone),
        extension: optional(&f.extension),
        location_id,
    })
}

pub async fn change_package(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, person)): Path<(String, String)>,
    Form(f): Form<PackageForm>,
) -> AppResult<Response> {
    let person = person_id(&person)?;
    let done = match change_of(&f, true) {
        Ok(change) => {
            user_service::change_package(&state, &scope, person, &change, &req.ctx()).await
        }
        Err(e) => Err(e),
    };
    let typed = (f.phone.clone(), f.extension.clone());
    answer(
        &state,
        &scope,
        &session,
        person,
        done,
        "Package changed.",
        |p| {
            p.number = typed;
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, person)): Path<(String, String)>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let person = person_id(&person)?;
    let done = user_service::set_admin_role(&state, &scope, person, &f.role, &req.ctx()).await;
    answer(
        &state,
        &scope,
        &session,
        person,
        done,
        "Admin role saved.",
        |_| {},
    )
    .await
}

pub async fn remove(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, person)): Path<(String, String)>,
) -> AppResult<Response> {
    let person = person_id(&person)?;
    let user = store::users::detail(&state.db, scope.org_id(), person)
        .await?
        .ok_or(AppError::NotFound)?;
    user_service::remove(&state, &scope, person, &req.ctx()).await?;
    session
        .flash(&format!("{} was removed.", user.email))
        .await?;
    Ok(Redirect::to(&users_path(scope.org.id)).into_response())
}
