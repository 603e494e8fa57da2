//! Settings → Single sign-on (SPEC §10): the partner's SAML IdP (from its metadata) and
//! OIDC IdPs, what to give each IdP (SP entity id, ACS and metadata URLs; redirect
//! URIs), *Test sign-in*, and how the partner's own admins sign in. Partner full admins
//! only (the services check it too). A refused form comes back with what was typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::saml;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::sso_config::{self, OidcInput, SamlInput, Save};
use crate::services::sso_sign_in::{self, TestReport};
use crate::state::AppState;
use crate::store;
use crate::store::sso::IdpRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::FormErrors;
use crate::web::forms::{CheckedForm, Query};
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::SSO_SETTINGS, page)
        .post_up_to(
            paths::SSO_SAML,
            sso_config::METADATA_MAX + 64 * 1024,
            save_saml,
        )
        .post(paths::SSO_OIDC_NEW, create_oidc)
        .get(paths::SSO_OIDC, edit_oidc_page)
        .post(paths::SSO_OIDC, update_oidc)
        .post(paths::SSO_DELETE, delete)
        .post(paths::SSO_TEST, test)
        .post(paths::SSO_ADMINS, save_admins)
}

/// What the partner gives its SAML IdP.
pub struct SpView {
    pub entity_id: String,
    pub acs_url: String,
    pub metadata_url: String,
}

pub struct SamlView {
    pub id: Uuid,
    pub entity_id: String,
    pub sso_url: String,
    pub fingerprints: Vec<String>,
    pub pass_email_in_request: bool,
    pub allow_idp_initiated: bool,
    pub customers: i64,
}

pub struct OidcView {
    pub id: Uuid,
    pub name: String,
    pub client_id: String,
    pub source: String,
    pub redirect_uri: String,
    pub customers: i64,
}

/// The OIDC form as typed, with its errors; `id` is the IdP's (new ones get theirs
/// before saving, so the redirect URI to register is shown before the first save).
pub struct OidcFormView {
    pub id: Uuid,
    pub editing: bool,
    pub input: OidcInput,
    pub redirect_uri: String,
    pub errors: FormErrors,
}

/// One control of the OIDC form.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl OidcFormView {
    /// The form's controls in order, with what was typed (never the secret) and errors.
    pub fn fields(&self) -> Vec<FieldView> {
        let i = &self.input;
        let without = "Needed without a discovery endpoint.";
        let secret_hint = if self.editing {
            "Leave empty to keep the stored secret."
        } else {
            ""
        };
        [
            ("name", "IdP name", "text", "Letters, digits, - _ ~ . only; at most 128 characters; unique.", &i.name),
            ("client_id", "Client id", "text", "", &i.client_id),
            ("client_secret", "Client secret", "password", secret_hint, &String::new()),
            ("scopes", "Scopes", "text", "Separated by spaces; must include openid and email.", &i.scopes),
            ("discovery_endpoint", "Discovery endpoint", "url", "e.g. https://idp.example.com/.well-known/openid-configuration. With it, the fields below are optional.", &i.discovery_endpoint),
            ("issuer", "Issuer", "url", without, &i.issuer),
            ("authorization_endpoint", "Authorization endpoint", "url", without, &i.authorization_endpoint),
            ("token_endpoint", "Token endpoint", "url", without, &i.token_endpoint),
            ("userinfo_endpoint", "Userinfo endpoint", "url", "Optional.", &i.userinfo_endpoint),
            ("jwks_endpoint", "JWKS endpoint", "url", without, &i.jwks_endpoint),
        ]
        .into_iter()
        .map(|(name, label, kind, hint, value)| FieldView {
            name,
            label,
            kind,
            hint,
            value: value.clone(),
            error: self
                .errors
                .contains_key(name)
                .then(|| crate::web::forms::field_message(&self.errors, name)),
        })
        .collect()
    }
    pub fn action(&self) -> String {
        if self.editing {
            paths::sso_oidc(self.id)
        } else {
            paths::SSO_OIDC_NEW.to_string()
        }
    }
}

pub struct Choice {
    pub id: Uuid,
    pub label: String,
}

pub struct AdminSignIn {
    pub idp: Option<Uuid>,
    pub break_glass: Option<Uuid>,
    pub idps: Vec<Choice>,
    pub full_admins: Vec<Choice>,
    pub errors: FormErrors,
}

/// A *Test sign-in* result: what came back and the checks, with the IdP's name.
pub struct ReportView {
    pub idp: String,
    pub report: TestReport,
    /// The attributes or claims, laid out to read.
    pub details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/settings/sso.html")]
pub struct SsoPage {
    page: PageCtx,
    sp: SpView,
    saml: Option<SamlView>,
    saml_metadata: String,
    saml_pass_email: bool,
    saml_allow_idp_initiated: bool,
    saml_errors: FormErrors,
    oidc: Vec<OidcView>,
    form: OidcFormView,
    admins: AdminSignIn,
    report: Option<ReportView>,
    key_missing: bool,
}

impl SsoPage {
    fn saml_error(&self) -> String {
        crate::web::forms::field_message(&self.saml_errors, "metadata")
    }
    fn admin_error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.admins.errors, field)
    }
    fn test_href(&self, id: &Uuid) -> String {
        paths::sso_test(id)
    }
    fn delete_href(&self, id: &Uuid) -> String {
        paths::sso_delete(id)
    }
    fn edit_href(&self, id: &Uuid) -> String {
        paths::sso_oidc(id)
    }
    fn is_admin_idp(&self, id: &Uuid) -> bool {
        self.admins.idp == Some(*id)
    }
    fn is_break_glass(&self, id: &Uuid) -> bool {
        self.admins.break_glass == Some(*id)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/settings/sso_oidc.html")]
pub struct OidcEditPage {
    page: PageCtx,
    form: OidcFormView,
}

fn source_of(i: &IdpRow) -> String {
    match (&i.oidc_discovery_endpoint, &i.oidc_issuer) {
        (Some(d), _) => format!("Discovery: {d}"),
        (None, Some(iss)) => format!("Issuer: {iss}"),
        _ => String::new(),
    }
}

fn input_of(i: &IdpRow) -> OidcInput {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    OidcInput {
        name: i.name.clone(),
        client_id: s(&i.oidc_client_id),
        client_secret: String::new(),
        scopes: s(&i.oidc_scopes),
        discovery_endpoint: s(&i.oidc_discovery_endpoint),
        issuer: s(&i.oidc_issuer),
        authorization_endpoint: s(&i.oidc_authorization_endpoint),
        token_endpoint: s(&i.oidc_token_endpoint),
        userinfo_endpoint: s(&i.oidc_userinfo_endpoint),
        jwks_endpoint: s(&i.oidc_jwks_endpoint),
    }
}

fn new_form(state: &AppState) -> OidcFormView {
    let id = Uuid::new_v4();
    OidcFormView {
        id,
        editing: false,
        input: OidcInput {
            scopes: "openid email profile".into(),
            ..OidcInput::default()
        },
        redirect_uri: sso_sign_in::oidc_redirect_uri(state, id),
        errors: FormErrors::new(),
    }
}

/// What the page shows besides the forms the caller fills.
#[derive(Default)]
struct Extras {
    saml_metadata: String,
    saml_pass_email: bool,
    saml_allow_idp_initiated: bool,
    saml_errors: FormErrors,
    form: Option<OidcFormView>,
    admin_errors: FormErrors,
    report: Option<ReportView>,
}

async fn render(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    x: Extras,
) -> AppResult<SsoPage> {
    scope.require(PartnerAction::ManageAdministration)?;
    let idps = store::sso::list(&state.db, scope.org_id()).await?;
    let counts = store::sso::bound_counts(&state.db, scope.org_id()).await?;
    let bound = |id: Uuid| counts.iter().find(|c| c.0 == id).map_or(0, |c| c.1);
    let sp = sso_sign_in::sp_of(state, scope.org.id);
    let saml = idps.iter().find(|i| i.kind == "saml").map(|i| SamlView {
        id: i.id,
        entity_id: i.saml_entity_id.clone().unwrap_or_default(),
        sso_url: i.saml_sso_url.clone().unwrap_or_default(),
        fingerprints: i
            .saml_certificates
            .iter()
            .map(|c| saml::fingerprint(c))
            .collect(),
        pass_email_in_request: i.pass_email_in_request,
        allow_idp_initiated: i.allow_idp_initiated,
        customers: bound(i.id),
    });
    let oidc = idps
        .iter()
        .filter(|i| i.kind == "oidc")
        .map(|i| OidcView {
            id: i.id,
            name: i.name.clone(),
            client_id: i.oidc_client_id.clone().unwrap_or_default(),
            source: source_of(i),
            redirect_uri: sso_sign_in::oidc_redirect_uri(state, i.id),
            customers: bound(i.id),
        })
        .collect();
    let (admin_idp, break_glass) = store::sso::admin_sign_in(&state.db, scope.org_id()).await?;
    let full_admins = sso_config::break_glass_choices(state, scope)
        .await?
        .into_iter()
        .map(|a| Choice {
            id: a.id,
            label: format!("{} {} ({})", a.first_name, a.last_name, a.email),
        })
        .collect();
    let idp_choices = idps
        .iter()
        .map(|i| Choice {
            id: i.id,
            label: if i.kind == "saml" {
                format!("SAML: {}", i.saml_entity_id.as_deref().unwrap_or_default())
            } else {
                format!("OpenID Connect: {}", i.name)
            },
        })
        .collect();
    let (saml_pass_email, saml_allow) = match (&saml, x.saml_errors.is_empty()) {
        (Some(s), true) => (s.pass_email_in_request, s.allow_idp_initiated),
        _ => (x.saml_pass_email, x.saml_allow_idp_initiated),
    };
    Ok(SsoPage {
        page: PageCtx::partner(scope, session, "sso", "Single sign-on")
            .await?
            .at(Trail::settings(true), "Single sign-on"),
        sp: SpView {
            metadata_url: sp.entity_id.clone(),
            entity_id: sp.entity_id,
            acs_url: sp.acs_url,
        },
        saml,
        saml_metadata: x.saml_metadata,
        saml_pass_email,
        saml_allow_idp_initiated: saml_allow,
        saml_errors: x.saml_errors,
        oidc,
        form: x.form.unwrap_or_else(|| new_form(state)),
        admins: AdminSignIn {
            idp: admin_idp,
            break_glass: break_glass.or(Some(scope.actor.person_id)),
            idps: idp_choices,
            full_admins,
            errors: x.admin_errors,
        },
        report: x.report,
        key_missing: state.config.secrets_key.is_none(),
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    report: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Query(q): Query<PageQuery>,
) -> AppResult<SsoPage> {
    scope.require(PartnerAction::ManageAdministration)?;
    let mut x = Extras::default();
    if let Some(txn) = q.report.as_deref()
        && let Some((idp, report)) = sso_sign_in::report(&state, txn, scope.actor.person_id).await?
    {
        let name = store::sso::get(&state.db, scope.org_id(), idp)
            .await?
            .map(|i| {
                if i.kind == "saml" {
                    "SAML".to_string()
                } else {
                    i.name
                }
            })
            .unwrap_or_default();
        x.report = Some(ReportView {
            idp: name,
            details: serde_json::to_string_pretty(&report.details).unwrap_or_default(),
            report,
        });
    }
    render(&state, &scope, &session, x).await
}

/// The SAML form: metadata pasted or uploaded (a file wins over the text box), options.
pub async fn save_saml(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    info: ReqInfo,
    req: axum::extract::Request,
) -> AppResult<Response> {
    // The refusal first: a read-only admin's upload is not even read.
    scope.require(PartnerAction::ManageAdministration)?;
    let mut form = crate::web::forms::multipart_upload(req, "metadata", "metadata").await?;
    let mut input = SamlInput {
        metadata: String::new(),
        pass_email_in_request: false,
        allow_idp_initiated: false,
    };
    let mut file = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::field("metadata", format!("The form could not be read: {e}")))?
    {
        match field.name() {
            Some("metadata") => input.metadata = field.text().await.unwrap_or_default(),
            Some("metadata_file") => {
                let bytes = field.bytes().await.unwrap_or_default();
                if !bytes.is_empty() {
                    file = Some(bytes);
                }
            }
            Some("pass_email_in_request") => input.pass_email_in_request = true,
            Some("allow_idp_initiated") => input.allow_idp_initiated = true,
            _ => {}
        }
    }
    if let Some(bytes) = file {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => input.metadata = text,
            Err(_) => {
                return saml_refused(
                    &state,
                    &scope,
                    &session,
                    &input,
                    "The chosen file is not XML text. Choose the IdP's metadata XML file.".into(),
                )
                .await;
            }
        }
    }
    match sso_config::save_saml(&state, &scope, &input, &info.ctx()).await {
        Ok(_) => {
            session
                .flash("The SAML identity provider was saved. Use Test sign-in to check it.")
                .await?;
            Ok(Redirect::to(paths::SSO_SETTINGS).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let message = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" ");
            saml_refused(&state, &scope, &session, &input, message).await
        }
        Err(e) => Err(e),
    }
}

async fn saml_refused(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    input: &SamlInput,
    message: String,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    errors.insert("metadata".into(), vec![message]);
    let mut metadata = input.metadata.clone();
    // Keep what was pasted, but never echo a huge file back into the page.
    if metadata.len() > sso_config::METADATA_MAX {
        metadata.clear();
    }
    let page = render(
        state,
        scope,
        session,
        Extras {
            saml_metadata: metadata,
            saml_pass_email: input.pass_email_in_request,
            saml_allow_idp_initiated: input.allow_idp_initiated,
            saml_errors: errors,
            ..Extras::default()
        },
    )
    .await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

#[derive(Deserialize, Default)]
pub struct OidcForm {
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    discovery_endpoint: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    authorization_endpoint: String,
    #[serde(default)]
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: String,
    #[serde(default)]
    jwks_endpoint: String,
}

impl OidcForm {
    fn input(&self) -> OidcInput {
        OidcInput {
            name: self.name.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scopes: self.scopes.clone(),
            discovery_endpoint: self.discovery_endpoint.clone(),
            issuer: self.issuer.clone(),
            authorization_endpoint: self.authorization_endpoint.clone(),
            token_endpoint: self.token_endpoint.clone(),
            userinfo_endpoint: self.userinfo_endpoint.clone(),
            jwks_endpoint: self.jwks_endpoint.clone(),
        }
    }
}

/// Saves the OIDC form (`editing`: an existing IdP `id`); a refusal shows the form
/// again with what was typed, except the secret, which is never sent back.
async fn save_oidc_form(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    req: &ReqInfo,
    id: Uuid,
    editing: bool,
    CheckedForm { form: f, controls }: CheckedForm<OidcForm>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageAdministration)?;
    let input = f.input();
    let save = if editing { Save::Change } else { Save::Create };
    let result = if controls.is_empty() {
        sso_config::save_oidc(state, scope, id, save, &input, &req.ctx()).await
    } else {
        Err(AppError::Validation(Default::default()))
    };
    match result {
        Ok(_) => {
            session
                .flash(format!(
                    "The identity provider “{}” was saved. Register this redirect URI at the IdP: {}",
                    input.name.trim(),
                    sso_sign_in::oidc_redirect_uri(state, id)
                ))
                .await?;
            Ok(Redirect::to(paths::SSO_SETTINGS).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let mut errors = crate::web::fields::form_errors(errors);
            errors.extend(controls);
            let mut input = input;
            input.client_secret.clear();
            let form = OidcFormView {
                id,
                editing,
                redirect_uri: sso_sign_in::oidc_redirect_uri(state, id),
                input,
                errors,
            };
            let page: Response = if editing {
                let page = PageCtx::partner(scope, session, "sso", "Edit identity provider")
                    .await?
                    .at(Trail::settings(true), "Single sign-on");
                OidcEditPage { page, form }.into_response()
            } else {
                render(
                    state,
                    scope,
                    session,
                    Extras {
                        form: Some(form),
                        ..Extras::default()
                    },
                )
                .await?
                .into_response()
            };
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn create_oidc(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    form: CheckedForm<OidcForm>,
) -> AppResult<Response> {
    let id = form.form.id.unwrap_or_else(Uuid::new_v4);
    save_oidc_form(&state, &scope, &session, &req, id, false, form).await
}

pub async fn edit_oidc_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<OidcEditPage> {
    scope.require(PartnerAction::ManageAdministration)?;
    let idp = store::sso::get(&state.db, scope.org_id(), id)
        .await?
        .filter(|i| i.kind == "oidc")
        .ok_or(AppError::NotFound)?;
    Ok(OidcEditPage {
        page: PageCtx::partner(&scope, &session, "sso", "Edit identity provider")
            .await?
            .at(Trail::settings(true), "Single sign-on"),
        form: OidcFormView {
            id,
            editing: true,
            input: input_of(&idp),
            redirect_uri: sso_sign_in::oidc_redirect_uri(&state, id),
            errors: FormErrors::new(),
        },
    })
}

pub async fn update_oidc(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    form: CheckedForm<OidcForm>,
) -> AppResult<Response> {
    save_oidc_form(&state, &scope, &session, &req, id, true, form).await
}

pub async fn delete(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    sso_config::delete(&state, &scope, id, &req.ctx()).await?;
    session
        .flash("The identity provider was removed. Customers that signed in through it cannot sign in until one is set up again.")
        .await?;
    Ok(Redirect::to(paths::SSO_SETTINGS).into_response())
}

/// *Test sign-in*: the IdP's flow, ending on this page with a report and no session.
pub async fn test(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let session_id = session.id().map(|id| id.to_string());
    let url = sso_sign_in::begin_test(&state, &scope, id, session_id.as_deref()).await?;
    Ok(crate::web::sso::ToIdpPage { url }.into_response())
}

#[derive(Deserialize)]
pub struct AdminsForm {
    #[serde(default)]
    idp: String,
    #[serde(default)]
    break_glass: String,
}

pub async fn save_admins(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, .. }: CheckedForm<AdminsForm>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageAdministration)?;
    let idp = f.idp.parse::<Uuid>().ok();
    let break_glass = f.break_glass.parse::<Uuid>().ok();
    match sso_config::set_admin_sign_in(&state, &scope, idp, break_glass, &req.ctx()).await {
        Ok(()) => {
            session
                .flash(if idp.is_some() {
                    "Partner admins now sign in through the chosen identity provider; the break-glass admin keeps a password."
                } else {
                    "Partner admins now sign in with their passwords."
                })
                .await?;
            Ok(Redirect::to(paths::SSO_SETTINGS).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = render(
                &state,
                &scope,
                &session,
                Extras {
                    admin_errors: crate::web::fields::form_errors(errors),
                    ..Extras::default()
                },
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
