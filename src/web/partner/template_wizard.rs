//! The onboarding-template wizard (SPEC §3): offer type, basics, wholesale calling,
//! authentication mode, email and calling, summary. The draft lives in the session, so a
//! reload, the Back button or leaving and coming back resumes it. Each step is checked on
//! the server by `services::templates::check`, the function the API uses too, keeping
//! only that step's errors. Editing (a POST from the template's page) loads a template into
//! its own draft (remembering its id) and opens the summary, whose submit then changes the
//! template.

use std::collections::BTreeMap;

use crate::web::forms::{CheckedForm, Form};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::fields::{Field, FieldErrors, TemplateField};
use crate::domain::{countries, locales, pstn_vendors};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::templates::{self as service, TemplateInput};
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::{FormErrors, form_field};
use crate::web::forms::{Choice, choices, optional as opt};
use crate::web::views::PageCtx;

/// The draft of a new template.
const DRAFT_NEW: &str = "template_wizard";
/// The draft of a template being changed.
const DRAFT_EDIT: &str = "template_wizard_edit";
/// Set while the wizard works on `DRAFT_EDIT`.
const MODE_EDIT: &str = "template_wizard_editing";

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::TEMPLATE_NEW, start)
        .post(paths::TEMPLATE_NEW, submit)
        .post(paths::TEMPLATE_NEW_CANCEL, cancel)
        .get(paths::TEMPLATE_NEW_OFFER, offer_page)
        .post(paths::TEMPLATE_NEW_OFFER, offer_submit)
        .get(paths::TEMPLATE_NEW_BASICS, basics_page)
        .post(paths::TEMPLATE_NEW_BASICS, basics_submit)
        .get(paths::TEMPLATE_NEW_CALLING, calling_page)
        .post(paths::TEMPLATE_NEW_CALLING, calling_submit)
        .get(paths::TEMPLATE_NEW_AUTH, auth_page)
        .post(paths::TEMPLATE_NEW_AUTH, auth_submit)
        .get(paths::TEMPLATE_NEW_EMAIL, email_page)
        .post(paths::TEMPLATE_NEW_EMAIL, email_submit)
        .get(paths::TEMPLATE_NEW_SUMMARY, summary_page)
        .get(paths::TEMPLATE_EDIT, edit_page)
        .post(paths::TEMPLATE_EDIT, edit)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum Step {
    #[default]
    Offer,
    Basics,
    Calling,
    Auth,
    Email,
    Summary,
}

const FORM_STEPS: [Step; 5] = [
    Step::Offer,
    Step::Basics,
    Step::Calling,
    Step::Auth,
    Step::Email,
];

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Offer => paths::TEMPLATE_NEW_OFFER,
            Step::Basics => paths::TEMPLATE_NEW_BASICS,
            Step::Calling => paths::TEMPLATE_NEW_CALLING,
            Step::Auth => paths::TEMPLATE_NEW_AUTH,
            Step::Email => paths::TEMPLATE_NEW_EMAIL,
            Step::Summary => paths::TEMPLATE_NEW_SUMMARY,
        }
    }
    fn number(self) -> u8 {
        self as u8 + 1
    }
    fn previous(self) -> Step {
        match self {
            Step::Offer | Step::Basics => Step::Offer,
            Step::Calling => Step::Basics,
            Step::Auth => Step::Calling,
            Step::Email => Step::Auth,
            Step::Summary => Step::Email,
        }
    }
}

/// Everything entered so far, as typed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Draft {
    /// The template being changed; `None` for a new one.
    pub editing: Option<Uuid>,
    pub editing_name: String,
    pub offer_broadworks: bool,
    pub name: String,
    pub sp_admin_email: String,
    pub country: String,
    pub language: String,
    pub subscription_id: String,
    pub pstn_vendor: String,
    pub auth_mode: String,
    pub saml_entity_id: String,
    pub saml_metadata: String,
    pub oidc_idp_name: String,
    pub email_brand_name: String,
    pub allow_admin_invite_emails: bool,
    pub allow_webex_to_webex: bool,
    /// Steps passed so far (the summary needs all five).
    pub done: Vec<Step>,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            editing: None,
            editing_name: String::new(),
            offer_broadworks: false,
            name: String::new(),
            sp_admin_email: String::new(),
            country: String::new(),
            language: String::new(),
            subscription_id: String::new(),
            pstn_vendor: String::new(),
            auth_mode: "webex".into(),
            saml_entity_id: String::new(),
            saml_metadata: String::new(),
            oidc_idp_name: String::new(),
            email_brand_name: String::new(),
            allow_admin_invite_emails: false,
            allow_webex_to_webex: false,
            done: vec![],
        }
    }
}

impl Draft {
    fn input(&self) -> TemplateInput {
        TemplateInput {
            offer_broadworks: self.offer_broadworks,
            name: self.name.clone(),
            sp_admin_email: self.sp_admin_email.clone(),
            country: self.country.clone(),
            language: self.language.clone(),
            subscription_id: self.subscription_id.clone(),
            pstn_vendor: opt(&self.pstn_vendor),
            auth_mode: self.auth_mode.clone(),
            saml_entity_id: opt(&self.saml_entity_id),
            saml_metadata: opt(&self.saml_metadata),
            oidc_idp_name: opt(&self.oidc_idp_name),
            email_brand_name: self.email_brand_name.clone(),
            allow_admin_invite_emails: self.allow_admin_invite_emails,
            allow_webex_to_webex: self.allow_webex_to_webex,
        }
    }

    fn from_row(t: store::templates::TemplateRow) -> Self {
        Self {
            editing: Some(t.id),
            editing_name: t.name.clone(),
            offer_broadworks: t.offer_broadworks,
            name: t.name,
            sp_admin_email: t.sp_admin_email.unwrap_or_default(),
            country: t.country,
            language: t.language,
            subscription_id: t.subscription_id,
            pstn_vendor: t.pstn_vendor.unwrap_or_default(),
            auth_mode: t.auth_mode,
            saml_entity_id: t.saml_entity_id.unwrap_or_default(),
            saml_metadata: String::new(),
            oidc_idp_name: t.oidc_idp_name.unwrap_or_default(),
            email_brand_name: t.email_brand_name,
            allow_admin_invite_emails: t.allow_admin_invite_emails,
            allow_webex_to_webex: t.allow_webex_to_webex,
            done: FORM_STEPS.to_vec(),
        }
    }
}

/// The step and form field a service error belongs to; anything that is no field of
/// a template is said on the summary.
fn field_for(field: &Field) -> (Step, String) {
    let Field::Template(t) = field else {
        return (Step::Summary, "form".into());
    };
    let step = match t {
        TemplateField::OfferBroadworks => Step::Offer,
        TemplateField::Name
        | TemplateField::SpAdminEmail
        | TemplateField::Country
        | TemplateField::Language
        | TemplateField::SubscriptionId => Step::Basics,
        TemplateField::PstnVendor => Step::Calling,
        TemplateField::AuthMode
        | TemplateField::SamlEntityId
        | TemplateField::SamlMetadata
        | TemplateField::OidcIdpName => Step::Auth,
        TemplateField::EmailBrandName
        | TemplateField::AllowAdminInviteEmails
        | TemplateField::AllowWebexToWebex => Step::Email,
    };
    (step, form_field(field))
}

/// The draft's errors, by step and form field.
async fn errors_by_step(
    state: &AppState,
    scope: &PartnerScope,
    draft: &Draft,
) -> AppResult<BTreeMap<Step, FormErrors>> {
    let mut conn = state.db.acquire().await?;
    let all = match service::check(&mut conn, scope, &draft.input(), draft.editing).await {
        Ok(_) => FieldErrors::new(),
        Err(AppError::Validation(e)) => e,
        Err(e) => return Err(e),
    };
    Ok(group(all))
}

fn group(all: FieldErrors) -> BTreeMap<Step, FormErrors> {
    let mut by_step: BTreeMap<Step, FormErrors> = BTreeMap::new();
    for e in all {
        let (step, field) = field_for(&e.field);
        by_step
            .entry(step)
            .or_default()
            .entry(field)
            .or_default()
            .push(e.message);
    }
    by_step
}

async fn editing(session: &AuthSession) -> AppResult<bool> {
    Ok(session.get::<bool>(MODE_EDIT).await?.unwrap_or(false))
}

async fn load(session: &AuthSession) -> AppResult<Draft> {
    let key = if editing(session).await? {
        DRAFT_EDIT
    } else {
        DRAFT_NEW
    };
    Ok(session.get::<Draft>(key).await?.unwrap_or_default())
}

async fn save(session: &AuthSession, draft: &Draft) -> AppResult<()> {
    let key = if draft.editing.is_some() {
        DRAFT_EDIT
    } else {
        DRAFT_NEW
    };
    session.insert(key, draft).await?;
    Ok(())
}

/// Forgets the current draft and goes back to working on a new template.
async fn discard(session: &AuthSession, draft: &Draft) -> AppResult<()> {
    if draft.editing.is_some() {
        session.remove::<Draft>(DRAFT_EDIT).await?;
        session.remove::<bool>(MODE_EDIT).await?;
    } else {
        session.remove::<Draft>(DRAFT_NEW).await?;
    }
    Ok(())
}

fn first_open_step(draft: &Draft) -> Step {
    FORM_STEPS
        .into_iter()
        .find(|s| !draft.done.contains(s))
        .unwrap_or(Step::Summary)
}

/// A step page may open once every step before it passed.
fn may_open(draft: &Draft, step: Step) -> bool {
    FORM_STEPS
        .into_iter()
        .filter(|s| *s < step)
        .all(|s| draft.done.contains(&s))
}

/// The stepper, heading and errors every step page shares.
pub struct WizardCtx {
    pub step: u8,
    pub heading: String,
    pub editing: bool,
    pub errors: FormErrors,
}

impl WizardCtx {
    pub fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

fn wizard(step: Step, d: &Draft, errors: FormErrors) -> WizardCtx {
    WizardCtx {
        step: step.number(),
        heading: if d.editing.is_some() {
            format!("Edit onboarding template: {}", d.editing_name)
        } else {
            "Create onboarding template".into()
        },
        editing: d.editing.is_some(),
        errors,
    }
}

fn guard(scope: &PartnerScope) -> AppResult<()> {
    scope.require(PartnerAction::ManageTemplates)
}

async fn page_ctx(scope: &PartnerScope, session: AuthSession, d: &Draft) -> AppResult<PageCtx> {
    let title = if d.editing.is_some() {
        "Edit onboarding template"
    } else {
        "Create onboarding template"
    };
    PageCtx::partner(scope, &session, "templates", title).await
}

/// Starts (or resumes) a new template. An unfinished change to an existing template is
/// dropped: its Edit link loads the template afresh.
/// Opens the new-template wizard where it was left. An unfinished change to a template
/// is kept (a GET loses nothing): its edit address resumes it.
async fn start(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    session.remove::<bool>(MODE_EDIT).await?;
    Ok(Redirect::to(first_open_step(&load(&session).await?).path()))
}

async fn cancel(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    let d = load(&session).await?;
    discard(&session, &d).await?;
    Ok(Redirect::to(&match d.editing {
        Some(id) => paths::template(id),
        None => paths::TEMPLATES.to_string(),
    }))
}

/// The edit page's address, opened (a bookmark, a reload): resumes the change under way
/// to this template, else shows the template with its Edit button. Loading a template
/// into the draft is the POST below, so no GET replaces a draft the admin is working on.
async fn edit_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    guard(&scope)?;
    store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let resuming = session
        .get::<Draft>(DRAFT_EDIT)
        .await?
        .is_some_and(|d| d.editing == Some(id));
    if resuming {
        // Back to the change under way (the new-template wizard may have been open).
        session.insert(MODE_EDIT, true).await?;
    }
    Ok(Redirect::to(&if resuming {
        Step::Summary.path().to_string()
    } else {
        paths::template(id)
    }))
}

/// Loads a template into the edit draft (afresh, dropping an unfinished change to it or
/// to another template) and opens its summary.
async fn edit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    guard(&scope)?;
    let t = store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    save(&session, &Draft::from_row(t)).await?;
    session.insert(MODE_EDIT, true).await?;
    Ok(Redirect::to(Step::Summary.path()))
}

/// Saves the draft; moves on when the step is valid, else shows it again with its errors.
async fn advance(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    mut d: Draft,
    step: Step,
) -> AppResult<Response> {
    let errors = errors_by_step(state, scope, &d)
        .await?
        .remove(&step)
        .unwrap_or_default();
    d.done.retain(|s| *s != step);
    if errors.is_empty() {
        d.done.push(step);
        if step == Step::Auth {
            // Pasted metadata passed: keep the entity ID it names, not the XML.
            if d.auth_mode == "saml"
                && let Some(entity) = service::entity_id_from_metadata(&d.saml_metadata)
            {
                d.saml_entity_id = entity;
            }
            d.saml_metadata.clear();
        }
    }
    save(&session, &d).await?;
    if errors.is_empty() {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    let page = render_step(state, scope, session, d, step, errors).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

async fn render_step(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    step: Step,
    errors: FormErrors,
) -> AppResult<Response> {
    Ok(match step {
        Step::Offer => render_offer(scope, session, d, errors)
            .await?
            .into_response(),
        Step::Basics => render_basics(state, scope, session, d, errors)
            .await?
            .into_response(),
        Step::Calling => render_calling(scope, session, d, errors)
            .await?
            .into_response(),
        Step::Auth => render_auth(scope, session, d, errors)
            .await?
            .into_response(),
        Step::Email => render_email(scope, session, d, errors)
            .await?
            .into_response(),
        Step::Summary => render_summary(state, scope, session, d, errors)
            .await?
            .into_response(),
    })
}

/// GET of a step page: shown once the steps before it passed.
async fn show(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    step: Step,
) -> AppResult<Response> {
    guard(scope)?;
    let d = load(&session).await?;
    if !may_open(&d, step) {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    render_step(state, scope, session, d, step, FormErrors::new()).await
}

/// Back: keeps what was entered, unchecked, and shows the previous step.
async fn back(session: &AuthSession, d: &Draft, step: Step) -> AppResult<Response> {
    save(session, d).await?;
    Ok(Redirect::to(step.previous().path()).into_response())
}

// ── Step 1: offer type ───────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_offer.html")]
struct OfferPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
}

async fn render_offer(
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<OfferPage> {
    Ok(OfferPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Offer, &d, errors),
        d,
    })
}

async fn offer_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Offer).await
}

#[derive(Deserialize)]
struct OfferForm {
    offer_broadworks: Option<String>,
}

async fn offer_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<OfferForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    let broadworks = f.offer_broadworks.is_some();
    if broadworks != d.offer_broadworks {
        // The Webex-to-Webex choice appears or goes: show the email step again.
        d.done.retain(|s| *s != Step::Email);
        if !broadworks {
            d.allow_webex_to_webex = false;
        }
    }
    d.offer_broadworks = broadworks;
    advance(&state, &scope, session, d, Step::Offer).await
}

// ── Step 2: basics ───────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_basics.html")]
struct BasicsPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    admins: Vec<Choice>,
    countries: Vec<Choice>,
    languages: Vec<Choice>,
    subscriptions: Vec<Choice>,
    subscription_fixed: bool,
}

async fn render_basics(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    mut d: Draft,
    errors: FormErrors,
) -> AppResult<BasicsPage> {
    let admins = store::templates::partner_admins(&state.db, scope.org_id()).await?;
    let subscriptions = store::orgs::subscription_ids(&state.db, scope.org_id()).await?;
    let subscription_fixed = service::subscription_is_fixed(scope);
    if (subscription_fixed || subscriptions.len() == 1)
        && !subscriptions.contains(&d.subscription_id)
        && let Some(first) = subscriptions.first()
    {
        d.subscription_id = first.clone();
    }
    if d.sp_admin_email.is_empty() && errors.is_empty() {
        d.sp_admin_email = admins
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(&scope.actor.email))
            .map(|a| a.email.clone())
            .unwrap_or_default();
    }
    Ok(BasicsPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Basics, &d, errors),
        admins: choices(
            admins.into_iter().map(|a| {
                let label = if a.name.is_empty() {
                    a.email.clone()
                } else {
                    format!("{} ({})", a.name, a.email)
                };
                (a.email, label)
            }),
            &d.sp_admin_email,
        ),
        countries: choices(
            countries::COUNTRIES
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string())),
            &d.country,
        ),
        languages: choices(
            locales::SUPPORTED
                .iter()
                .map(|l| (l.to_string(), l.to_string())),
            &d.language,
        ),
        subscriptions: choices(
            subscriptions.into_iter().map(|s| (s.clone(), s)),
            &d.subscription_id,
        ),
        subscription_fixed,
        d,
    })
}

async fn basics_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Basics).await
}

#[derive(Deserialize)]
struct BasicsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    sp_admin_email: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    subscription_id: String,
    #[serde(default)]
    nav: String,
}

async fn basics_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    CheckedForm { form: f, controls }: CheckedForm<BasicsForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.name = f.name;
    d.sp_admin_email = f.sp_admin_email;
    d.country = f.country.trim().to_ascii_uppercase();
    d.language = f.language;
    if service::subscription_is_fixed(&scope) {
        // Fixed to the parent's: whatever was sent does not count.
        d.subscription_id = store::orgs::subscription_ids(&state.db, scope.org_id())
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
    } else {
        d.subscription_id = f.subscription_id;
    }
    if !controls.is_empty() {
        // Shown beside the fields with everything typed kept; nothing is saved.
        let page = render_step(&state, &scope, session, d, Step::Basics, controls).await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    if f.nav == "back" {
        return back(&session, &d, Step::Basics).await;
    }
    advance(&state, &scope, session, d, Step::Basics).await
}

// ── Step 3: wholesale calling ────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_calling.html")]
struct CallingPage {
    page: PageCtx,
    w: WizardCtx,
    vendors: Vec<Choice>,
    warning: &'static str,
}

async fn render_calling(
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<CallingPage> {
    Ok(CallingPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Calling, &d, errors),
        vendors: choices(
            pstn_vendors::VENDORS.iter().map(|(v, countries)| {
                (
                    v.to_string(),
                    format!("{v} (serves {})", countries.join(", ")),
                )
            }),
            &d.pstn_vendor,
        ),
        warning: pstn_vendors::WARNING,
    })
}

async fn calling_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Calling).await
}

#[derive(Deserialize)]
struct CallingForm {
    #[serde(default)]
    pstn_vendor: String,
    #[serde(default)]
    nav: String,
}

async fn calling_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<CallingForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.pstn_vendor = f.pstn_vendor;
    if f.nav == "back" {
        return back(&session, &d, Step::Calling).await;
    }
    advance(&state, &scope, session, d, Step::Calling).await
}

// ── Step 4: authentication mode ──────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_auth.html")]
struct AuthPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
}

async fn render_auth(
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<AuthPage> {
    Ok(AuthPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Auth, &d, errors),
        d,
    })
}

async fn auth_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Auth).await
}

#[derive(Deserialize)]
struct AuthForm {
    #[serde(default)]
    auth_mode: String,
    #[serde(default)]
    saml_entity_id: String,
    #[serde(default)]
    saml_metadata: String,
    #[serde(default)]
    oidc_idp_name: String,
    #[serde(default)]
    nav: String,
}

async fn auth_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<AuthForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.auth_mode = f.auth_mode;
    d.saml_entity_id = f.saml_entity_id;
    d.saml_metadata = f.saml_metadata;
    d.oidc_idp_name = f.oidc_idp_name;
    if f.nav == "back" {
        return back(&session, &d, Step::Auth).await;
    }
    advance(&state, &scope, session, d, Step::Auth).await
}

// ── Step 5: email and calling ────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_email.html")]
struct EmailPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
}

async fn render_email(
    scope: &PartnerScope,
    session: AuthSession,
    mut d: Draft,
    errors: FormErrors,
) -> AppResult<EmailPage> {
    if d.email_brand_name.is_empty() && errors.is_empty() {
        d.email_brand_name = scope.org.name.clone();
    }
    Ok(EmailPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Email, &d, errors),
        d,
    })
}

async fn email_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Email).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email_brand_name: String,
    allow_admin_invite_emails: Option<String>,
    allow_webex_to_webex: Option<String>,
    #[serde(default)]
    nav: String,
}

async fn email_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.email_brand_name = f.email_brand_name;
    d.allow_admin_invite_emails = f.allow_admin_invite_emails.is_some();
    // Offered only with both offer types; the service stores false otherwise too.
    d.allow_webex_to_webex = d.offer_broadworks && f.allow_webex_to_webex.is_some();
    if f.nav == "back" {
        return back(&session, &d, Step::Email).await;
    }
    advance(&state, &scope, session, d, Step::Email).await
}

// ── Step 6: summary and submit ───────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_summary.html")]
struct SummaryPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    country_name: String,
    sp_admin_label: String,
    vendor_warning: &'static str,
}

async fn render_summary(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<SummaryPage> {
    let sp_admin_label = store::templates::partner_admins(&state.db, scope.org_id())
        .await?
        .into_iter()
        .find(|a| a.email.eq_ignore_ascii_case(d.sp_admin_email.trim()))
        .map(|a| {
            if a.name.is_empty() {
                a.email
            } else {
                format!("{} ({})", a.name, a.email)
            }
        })
        .unwrap_or_else(|| d.sp_admin_email.clone());
    Ok(SummaryPage {
        page: page_ctx(scope, session, &d).await?,
        w: wizard(Step::Summary, &d, errors),
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        sp_admin_label,
        vendor_warning: pstn_vendors::WARNING,
        d,
    })
}

async fn summary_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    show(&state, &scope, session, Step::Summary).await
}

/// Creates the template, or changes the one being edited.
async fn submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    if first_open_step(&d) != Step::Summary {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    let input = d.input();
    let result = match d.editing {
        Some(id) => service::update(&state, &scope, id, &input, &req.ctx())
            .await
            .map(|()| id),
        None => service::create(&state, &scope, &input, &req.ctx()).await,
    };
    match result {
        Ok(id) => {
            discard(&session, &d).await?;
            let verb = if d.editing.is_some() {
                "saved"
            } else {
                "created"
            };
            session
                .flash(format!("Template {} was {verb}.", d.name.trim()))
                .await?;
            Ok(Redirect::to(&paths::template(id)).into_response())
        }
        Err(AppError::Validation(all)) => {
            // Something changed since the step was checked (say, the name was taken
            // meanwhile): back to the first step that needs attention.
            let (step, errors) = group(all)
                .into_iter()
                .next()
                .unwrap_or((Step::Summary, FormErrors::new()));
            d.done.retain(|s| *s < step);
            save(&session, &d).await?;
            let page = render_step(&state, &scope, session, d, step, errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_land_on_the_step_that_asks_for_them() {
        use TemplateField as T;
        let cases = [
            (T::OfferBroadworks, Step::Offer, "offer_broadworks"),
            (T::Name, Step::Basics, "name"),
            (T::SpAdminEmail, Step::Basics, "sp_admin_email"),
            (T::Country, Step::Basics, "country"),
            (T::Language, Step::Basics, "language"),
            (T::SubscriptionId, Step::Basics, "subscription_id"),
            (T::PstnVendor, Step::Calling, "pstn_vendor"),
            (T::AuthMode, Step::Auth, "auth_mode"),
            (T::SamlEntityId, Step::Auth, "saml_entity_id"),
            (T::SamlMetadata, Step::Auth, "saml_metadata"),
            (T::OidcIdpName, Step::Auth, "oidc_idp_name"),
            (T::EmailBrandName, Step::Email, "email_brand_name"),
            (
                T::AllowAdminInviteEmails,
                Step::Email,
                "allow_admin_invite_emails",
            ),
            (T::AllowWebexToWebex, Step::Email, "allow_webex_to_webex"),
        ];
        for (field, step, name) in cases {
            assert_eq!(
                field_for(&Field::Template(field)),
                (step, name.to_string()),
                "{field:?}"
            );
        }
        assert_eq!(
            field_for(&Field::Other("form".into())),
            (Step::Summary, "form".to_string())
        );
        assert_eq!(
            field_for(&Field::CustomerName),
            (Step::Summary, "form".to_string())
        );
    }

    #[test]
    fn a_step_opens_only_after_the_steps_before_it() {
        let mut d = Draft::default();
        assert!(may_open(&d, Step::Offer));
        assert!(!may_open(&d, Step::Basics));
        d.done = vec![Step::Offer, Step::Basics];
        assert!(may_open(&d, Step::Calling));
        assert!(!may_open(&d, Step::Summary));
        assert_eq!(first_open_step(&d), Step::Calling);
        d.done = FORM_STEPS.to_vec();
        assert_eq!(first_open_step(&d), Step::Summary);
    }
}
