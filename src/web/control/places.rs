//! Control Hub → Locations and Workspaces (SPEC §5): each list with its add form, an
//! edit page per item with its removal. The rules are `services::places`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::address::AddressInput;
use crate::domain::restrictions::Control;
use crate::domain::{countries, locales, timezones};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::places::{self, KINDS, LocationChange, WorkspaceChange};
use crate::state::AppState;
use crate::store;
use crate::store::customers::{LocationRow, WorkspaceRow};
use crate::web::fields::{FormErrors, form_errors};
use crate::web::forms::{Choice, Form, choices, field_message, optional};
use crate::web::views::PageCtx;

fn id_of(raw: &str) -> AppResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// The form's field names for the service's (a location's are the wizard's).
fn form_names(errors: FormErrors) -> FormErrors {
    errors
        .into_iter()
        .map(|(k, v)| {
            let k = match k.as_str() {
                "location_language" => "language".to_string(),
                _ => k,
            };
            (k, v)
        })
        .collect()
}

// ── Locations ───────────────────────────────────────────────────────────────────────

/// What the location form holds, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct LocationForm {
    #[serde(default)]
    location_name: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    zip: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    language: String,
    /// A checkbox: present when ticked; `calling_shown` says the form showed it.
    #[serde(default)]
    international_calling: Option<String>,
    #[serde(default)]
    calling_shown: Option<String>,
}

impl LocationForm {
    fn change(&self) -> LocationChange {
        LocationChange {
            name: self.location_name.clone(),
            address: AddressInput {
                address_line1: self.line1.clone(),
                address_line2: optional(&self.line2),
                city: self.city.clone(),
                state_or_province: optional(&self.state),
                zip_or_postal_code: optional(&self.zip),
                country: self.country.clone(),
            },
            timezone: self.timezone.clone(),
            language: self.language.clone(),
            international_calling: self
                .calling_shown
                .as_ref()
                .map(|_| self.international_calling.is_some()),
        }
    }

    fn of(l: &LocationRow) -> LocationForm {
        LocationForm {
            location_name: l.name.clone(),
            line1: l.address_line1.clone(),
            line2: l.address_line2.clone().unwrap_or_default(),
            city: l.city.clone(),
            state: l.state_or_province.clone().unwrap_or_default(),
            zip: l.zip_or_postal_code.clone().unwrap_or_default(),
            country: l.country.clone(),
            timezone: l.timezone.clone(),
            language: l.language.clone(),
            international_calling: l.international_calling.then(|| "on".into()),
            calling_shown: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "control/locations.html")]
pub struct LocationsPage {
    page: PageCtx,
    org_id: Uuid,
    rows: Vec<LocationRow>,
    form: LocationForm,
    countries: Vec<Choice>,
    timezones: Vec<Choice>,
    languages: Vec<Choice>,
    errors: FormErrors,
    may_manage: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "control/location.html")]
pub struct LocationPage {
    page: PageCtx,
    org_id: Uuid,
    location: LocationRow,
    form: LocationForm,
    countries: Vec<Choice>,
    timezones: Vec<Choice>,
    languages: Vec<Choice>,
    errors: FormErrors,
    may_manage: bool,
    /// The visitor may set international calling (a partner admin).
    may_set_calling: bool,
}

impl LocationsPage {
    fn error(&self, f: &str) -> String {
        field_message(&self.errors, f)
    }
}

impl LocationPage {
    fn error(&self, f: &str) -> String {
        field_message(&self.errors, f)
    }
}

struct LocationChoices {
    countries: Vec<Choice>,
    timezones: Vec<Choice>,
    languages: Vec<Choice>,
}

fn location_choices(form: &LocationForm) -> LocationChoices {
    LocationChoices {
        countries: choices(
            countries::COUNTRIES
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string())),
            &form.country,
        ),
        timezones: choices(
            timezones::SUPPORTED
                .iter()
                .map(|t| (t.to_string(), t.replace('_', " "))),
            &form.timezone,
        ),
        languages: choices(locales::choices(), &form.language),
    }
}

async fn locations_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    form: LocationForm,
    errors: FormErrors,
) -> AppResult<LocationsPage> {
    let c = location_choices(&form);
    Ok(LocationsPage {
        page: PageCtx::control(scope, session, "locations", "Locations").await?,
        org_id: scope.org.id,
        rows: store::customers::locations(&state.db, scope.org_id()).await?,
        form,
        countries: c.countries,
        timezones: c.timezones,
        languages: c.languages,
        errors,
        may_manage: scope.may_change(Control::ManageLocations),
    })
}

pub async fn locations(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<LocationsPage> {
    let rows = store::customers::locations(&state.db, scope.org_id()).await?;
    // A new location starts from the headquarters' country, time zone and language.
    let form = rows
        .first()
        .map(|hq| LocationForm {
            country: hq.country.clone(),
            timezone: hq.timezone.clone(),
            language: hq.language.clone(),
            ..LocationForm::default()
        })
        .unwrap_or_default();
    locations_page(&state, &scope, &session, form, FormErrors::new()).await
}

pub async fn add_location(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Form(f): Form<LocationForm>,
) -> AppResult<Response> {
    match places::add_location(&state, &scope, &f.change(), &req.ctx()).await {
        Ok(_) => {
            session
                .flash(&format!("Location “{}” added.", f.location_name.trim()))
                .await?;
            Ok(Redirect::to(&paths::control(scope.org.id, "locations")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = locations_page(&state, &scope, &session, f, form_names(form_errors(errors)))
                .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn location_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    id: Uuid,
    form: Option<LocationForm>,
    errors: FormErrors,
) -> AppResult<LocationPage> {
    let location = store::locations::one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| LocationForm::of(&location));
    let c = location_choices(&form);
    Ok(LocationPage {
        page: PageCtx::control(scope, session, "locations", &location.name).await?,
        org_id: scope.org.id,
        form,
        countries: c.countries,
        timezones: c.timezones,
        languages: c.languages,
        errors,
        may_manage: scope.may_change(Control::ManageLocations),
        may_set_calling: places::may_set_calling(scope),
        location,
    })
}

pub async fn location(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<LocationPage> {
    location_page(
        &state,
        &scope,
        &session,
        id_of(&id)?,
        None,
        FormErrors::new(),
    )
    .await
}

pub async fn update_location(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<LocationForm>,
) -> AppResult<Response> {
    let id = id_of(&id)?;
    match places::update_location(&state, &scope, id, &f.change(), &req.ctx()).await {
        Ok(()) => {
            session.flash("Location saved.").await?;
            Ok(Redirect::to(&format!(
                "{}/{id}",
                paths::control(scope.org.id, "locations")
            ))
            .into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = location_page(
                &state,
                &scope,
                &session,
                id,
                Some(f),
                form_names(form_errors(errors)),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn remove_location(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    places::remove_location(&state, &scope, id_of(&id)?, &req.ctx()).await?;
    session.flash("Location removed.").await?;
    Ok(Redirect::to(&paths::control(scope.org.id, "locations")).into_response())
}

// ── Workspaces ──────────────────────────────────────────────────────────────────────

#[derive(Deserialize, Default, Clone)]
pub struct WorkspaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    extension: String,
}

impl WorkspaceForm {
    fn change(&self) -> WorkspaceChange {
        WorkspaceChange {
            name: self.name.clone(),
            kind: self.kind.clone(),
            location_id: Uuid::parse_str(self.location.trim()).ok(),
            phone_number: optional(&self.phone_number),
            extension: optional(&self.extension),
        }
    }
}

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Other", |(_, l)| l)
}

#[derive(Template, WebTemplate)]
#[template(path = "control/workspaces.html")]
pub struct WorkspacesPage {
    page: PageCtx,
    org_id: Uuid,
    rows: Vec<WorkspaceRow>,
    form: WorkspaceForm,
    kinds: Vec<Choice>,
    locations: Vec<Choice>,
    errors: FormErrors,
    may_manage: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "control/workspace.html")]
pub struct WorkspacePage {
    page: PageCtx,
    org_id: Uuid,
    id: Uuid,
    form: WorkspaceForm,
    kinds: Vec<Choice>,
    locations: Vec<Choice>,
    errors: FormErrors,
    may_manage: bool,
}

impl WorkspacesPage {
    fn error(&self, f: &str) -> String {
        field_message(&self.errors, f)
    }
}

impl WorkspacePage {
    fn error(&self, f: &str) -> String {
        field_message(&self.errors, f)
    }
}

async fn workspace_choices(
    state: &AppState,
    scope: &CustomerScope,
    form: &WorkspaceForm,
) -> AppResult<(Vec<Choice>, Vec<Choice>)> {
    let locations = store::users::location_choices(&state.db, scope.org_id()).await?;
    Ok((
        choices(
            KINDS.iter().map(|(k, l)| (k.to_string(), l.to_string())),
            &form.kind,
        ),
        choices(
            locations
                .into_iter()
                .map(|(id, name)| (id.to_string(), name)),
            &form.location,
        ),
    ))
}

async fn workspaces_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    form: WorkspaceForm,
    errors: FormErrors,
) -> AppResult<WorkspacesPage> {
    let (kinds, locations) = workspace_choices(state, scope, &form).await?;
    Ok(WorkspacesPage {
        page: PageCtx::control(scope, session, "workspaces", "Workspaces").await?,
        org_id: scope.org.id,
        rows: store::customers::workspaces(&state.db, scope.org_id()).await?,
        form,
        kinds,
        locations,
        errors,
        may_manage: scope.may_change(Control::ManageWorkspaces),
    })
}

pub async fn workspaces(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<WorkspacesPage> {
    workspaces_page(
        &state,
        &scope,
        &session,
        WorkspaceForm::default(),
        FormErrors::new(),
    )
    .await
}

pub async fn add_workspace(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Form(f): Form<WorkspaceForm>,
) -> AppResult<Response> {
    match places::add_workspace(&state, &scope, &f.change(), &req.ctx()).await {
        Ok(_) => {
            session
                .flash(&format!("Workspace “{}” added.", f.name.trim()))
                .await?;
            Ok(Redirect::to(&paths::control(scope.org.id, "workspaces")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = workspaces_page(&state, &scope, &session, f, form_errors(errors)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn workspace_page(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    id: Uuid,
    form: Option<WorkspaceForm>,
    errors: FormErrors,
) -> AppResult<WorkspacePage> {
    let held = store::workspaces::one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| WorkspaceForm {
        name: held.name.clone(),
        kind: held.kind.clone(),
        location: held.location_id.to_string(),
        phone_number: held.phone_number.clone().unwrap_or_default(),
        extension: held.extension.clone().unwrap_or_default(),
    });
    let (kinds, locations) = workspace_choices(state, scope, &form).await?;
    Ok(WorkspacePage {
        page: PageCtx::control(scope, session, "workspaces", &held.name).await?,
        org_id: scope.org.id,
        id,
        form,
        kinds,
        locations,
        errors,
        may_manage: scope.may_change(Control::ManageWorkspaces),
    })
}

pub async fn workspace(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<WorkspacePage> {
    workspace_page(
        &state,
        &scope,
        &session,
        id_of(&id)?,
        None,
        FormErrors::new(),
    )
    .await
}

pub async fn update_workspace(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<WorkspaceForm>,
) -> AppResult<Response> {
    let id = id_of(&id)?;
    match places::update_workspace(&state, &scope, id, &f.change(), &req.ctx()).await {
        Ok(()) => {
            session.flash("Workspace saved.").await?;
            Ok(Redirect::to(&paths::control(scope.org.id, "workspaces")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page =
                workspace_page(&state, &scope, &session, id, Some(f), form_errors(errors)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn remove_workspace(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    places::remove_workspace(&state, &scope, id_of(&id)?, &req.ctx()).await?;
    session.flash("Workspace removed.").await?;
    Ok(Redirect::to(&paths::control(scope.org.id, "workspaces")).into_response())
}
