//! The invitation link's page: an invited administrator chooses a password (and may
//! give their name), and is signed in to their Control Hub. The rules are
//! `services::invitations`'; this page only reads the form and shows the outcome.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::session::AuthSession;
use crate::domain::text::CONTROL_CHARACTER;
use crate::error::AppResult;
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::invitations::{self, Acceptance, LinkProblem, Refused};
use crate::state::AppState;
use crate::web::forms::{CheckedForm, Query};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::LOGIN_INVITE, page)
        .post(paths::LOGIN_INVITE, submit)
}

/// What is said beside each field.
#[derive(Default)]
struct Errors {
    password: Option<String>,
    confirmation: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.password.is_some()
            || self.confirmation.is_some()
            || self.first_name.is_some()
            || self.last_name.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login/invite.html")]
struct InvitePage {
    csrf: String,
    token: String,
    email: String,
    org_name: String,
    hub: &'static str,
    first_name: String,
    last_name: String,
    errors: Errors,
}

#[derive(Template, WebTemplate)]
#[template(path = "login/invite_refused.html")]
struct LinkRefusedPage {
    message: &'static str,
}

/// A link that does not open: 404 when it is not one we sent, 410 when it was.
fn refused(p: LinkProblem) -> Response {
    let status = match p {
        LinkProblem::Invalid => StatusCode::NOT_FOUND,
        LinkProblem::Used | LinkProblem::Expired => StatusCode::GONE,
    };
    (
        status,
        LinkRefusedPage {
            message: p.message(),
        },
    )
        .into_response()
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    token: String,
}

async fn page(
    State(state): State<AppState>,
    auth: AuthSession,
    Query(q): Query<LinkQuery>,
) -> AppResult<Response> {
    let invited = match invitations::open(&state, &q.token).await? {
        Ok(i) => i,
        Err(p) => return Ok(refused(p)),
    };
    Ok(InvitePage {
        csrf: auth.csrf_token().await?,
        token: q.token,
        email: invited.email,
        org_name: invited.org_name,
        hub: invited.hub,
        first_name: String::new(),
        last_name: String::new(),
        errors: Errors::default(),
    }
    .into_response())
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

async fn submit(
    State(state): State<AppState>,
    auth: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, controls }: CheckedForm<AcceptForm>,
) -> AppResult<Response> {
    let mut errors = Errors::default();
    let control = |field: &str| {
        controls
            .contains_key(field)
            .then(|| format!("This field {CONTROL_CHARACTER}"))
    };
    errors.first_name = control("first_name");
    errors.last_name = control("last_name");
    errors.password = control("password");
    errors.confirmation = control("confirmation");
    if !errors.any() && !controls.contains_key("token") {
        let acceptance = Acceptance {
            secret: &f.token,
            password: &f.password,
            confirmation: &f.confirmation,
            first_name: &f.first_name,
            last_name: &f.last_name,
        };
        match invitations::accept(&state, &acceptance, &req.ctx()).await? {
            Ok(person) => {
                auth.sign_in(person, state.clock.now()).await?;
                auth.flash("Your password is set and you are signed in.")
                    .await?;
                let home = crate::web::login::home_path(&state, person).await?;
                return Ok(Redirect::to(&home).into_response());
            }
            Err(Refused::Link(p)) => return Ok(refused(p)),
            Err(Refused::Password(m)) => errors.password = Some(m),
            Err(Refused::Confirmation(m)) => errors.confirmation = Some(m),
            Err(Refused::FirstName(m)) => errors.first_name = Some(m),
            Err(Refused::LastName(m)) => errors.last_name = Some(m),
        }
    }
    // Shown again with what was typed (never the passwords) and the reasons.
    let invited = match invitations::open(&state, &f.token).await? {
        Ok(i) => i,
        Err(p) => return Ok(refused(p)),
    };
    let page = InvitePage {
        csrf: auth.csrf_token().await?,
        token: f.token,
        email: invited.email,
        org_name: invited.org_name,
        hub: invited.hub,
        first_name: f.first_name,
        last_name: f.last_name,
        errors,
    };
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}
