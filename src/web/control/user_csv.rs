//! Control Hub → Users → CSV (SPEC §5): the export in the import's format, the upload,
//! the preview of every row before anything is applied, the progress of applying it
//! and its report. The rules are `services::user_import`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::restrictions::Control;
use crate::error::{AppError, AppResult};
use crate::paths;
use crate::services::user_import::{self, ImportView, MAX_BYTES, Previewed};
use crate::state::AppState;
use crate::web::views::PageCtx;

fn base(org: Uuid) -> String {
    paths::control(org, "users")
}

fn csv_download(name: &str, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[derive(Template, WebTemplate)]
#[template(path = "control/users_csv.html")]
pub struct CsvPage {
    page: PageCtx,
    org_id: Uuid,
    may_import: bool,
    refused: Option<String>,
    max_mb: usize,
}

async fn csv_page(
    scope: &CustomerScope,
    session: &AuthSession,
    refused: Option<String>,
) -> AppResult<CsvPage> {
    Ok(CsvPage {
        page: PageCtx::control(scope, session, "users", "Users CSV").await?,
        org_id: scope.org.id,
        may_import: scope.may_change(Control::ManageUsers),
        refused,
        max_mb: MAX_BYTES / 1_048_576,
    })
}

pub async fn page(scope: CustomerScope, session: AuthSession) -> AppResult<CsvPage> {
    csv_page(&scope, &session, None).await
}

pub async fn export(State(state): State<AppState>, scope: CustomerScope) -> AppResult<Response> {
    let bytes = user_import::export(&state, &scope).await?;
    Ok(csv_download("users.csv", bytes))
}

/// The upload: the file and the *Add and remove services* option.
pub async fn upload(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: axum::extract::Request,
) -> AppResult<Response> {
    // The restriction first: a locked admin learns nothing about their upload.
    scope.require_change(Control::ManageUsers)?;
    let mut form = crate::web::forms::multipart_upload(req, "file", "file").await?;
    let (mut file, mut name, mut add_remove) = (None, String::new(), false);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::field("file", format!("The upload could not be read: {e}")))?
    {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or("users.csv").to_string();
                file = Some(field.bytes().await.map_err(|e| {
                    AppError::field("file", format!("The file could not be read: {e}"))
                })?);
            }
            Some("add_remove_services") => add_remove = true,
            _ => {}
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let page = csv_page(
            &scope,
            &session,
            Some("Choose a CSV file to import.".into()),
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    };
    match user_import::preview(&state, &scope, &name, &bytes, add_remove).await? {
        Previewed::Stored(id) => {
            Ok(Redirect::to(&format!("{}/import/{id}", base(scope.org.id))).into_response())
        }
        Previewed::Refused(why) => {
            let page = csv_page(
                &scope,
                &session,
                Some(format!("Nothing was imported. {why}")),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "control/users_import.html")]
pub struct ImportPage {
    page: PageCtx,
    org_id: Uuid,
    view: ImportView,
}

pub async fn import(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<ImportPage> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    Ok(ImportPage {
        view: user_import::view(&state, &scope, id).await?,
        page: PageCtx::control(&scope, &session, "users", "Users CSV import").await?,
        org_id: scope.org.id,
    })
}

pub async fn apply(
    State(state): State<AppState>,
    scope: CustomerScope,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    user_import::apply(&state, &scope, id).await?;
    Ok(Redirect::to(&format!("{}/import/{id}", base(scope.org.id))).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    scope: CustomerScope,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let bytes = user_import::report(&state, &scope, id).await?;
    Ok(csv_download("users-import-report.csv", bytes))
}
