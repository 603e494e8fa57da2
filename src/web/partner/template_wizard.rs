//! The onboarding-template wizard (SPEC §3): offer type, basics, wholesale calling,
//! authentication mode, email and calling, summary, run by the wizard engine
//! (`web::wizard`). Each step is checked on the server by `services::templates::check`,
//! the function the API uses too. Editing (a POST from the template's page) loads a
//! template into a draft of its own (remembering its id) and opens the summary, whose
//! submit then changes the template.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::fields::{Field, TemplateField};
use crate::domain::{countries, locales, pstn_vendors};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::templates::{self as service, TemplateInput};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::{FormErrors, form_field};
use crate::web::forms::{CheckedForm, Choice, Form, choices, optional as opt};
use crate::web::views::{PageCtx, Trail};
use crate::web::wizard::{self, Cx, DraftSlot, Nav, StepRequest, View, Wizard, WizardStep};

/// The draft of a new template.
const DRAFT_NEW: DraftSlot<Data, Step> = DraftSlot::new("template_wizard");
/// The draft of a template being changed.
const DRAFT_EDIT: DraftSlot<Data, Step> = DraftSlot::new("template_wizard_edit");
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Offer,
    Basics,
    Calling,
    Auth,
    Email,
    Summary,
}

impl WizardStep for Step {
    const ALL: &'static [Self] = &[
        Step::Offer,
        Step::Basics,
        Step::Calling,
        Step::Auth,
        Step::Email,
        Step::Summary,
    ];

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

    fn label(self) -> &'static str {
        match self {
            Step::Offer => "Offer type",
            Step::Basics => "Basics",
            Step::Calling => "Wholesale calling",
            Step::Auth => "Authentication mode",
            Step::Email => "Email and calling",
            Step::Summary => "Summary",
        }
    }
}

type Draft = wizard::Draft<Data, Step>;

/// Everything entered so far, as typed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Data {
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
}

impl Default for Data {
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
        }
    }
}

impl Data {
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
        }
    }
}

/// The wizard over one of its two drafts: a new template's, or the change under way.
struct TemplateWizard {
    editing: bool,
}

impl TemplateWizard {
    /// The wizard of the draft `data` belongs to.
    fn of(data: &Data) -> Self {
        Self {
            editing: data.editing.is_some(),
        }
    }

    /// Forgets the current draft and goes back to working on a new template.
    async fn discard(&self, session: &AuthSession) -> AppResult<()> {
        self.slot().discard(session).await?;
        if self.editing {
            session.remove::<bool>(MODE_EDIT).await?;
        }
        Ok(())
    }
}

impl Wizard for TemplateWizard {
    type Step = Step;
    type Data = Data;

    fn slot(&self) -> DraftSlot<Data, Step> {
        if self.editing { DRAFT_EDIT } else { DRAFT_NEW }
    }

    fn require(scope: &PartnerScope) -> AppResult<()> {
        scope.require(PartnerAction::ManageTemplates)
    }

    /// The wizard the session is working on.
    async fn current(session: &AuthSession) -> AppResult<Self> {
        Ok(Self {
            editing: session.get::<bool>(MODE_EDIT).await?.unwrap_or(false),
        })
    }

    /// The step and form field a service error belongs to; anything that is no field
    /// of a template is said on the summary.
    fn place(field: &Field) -> (Step, String) {
        let Field::Template(t) = field else {
            return (Step::Summary, wizard::FORM.into());
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

    async fn check(
        &self,
        cx: &Cx<'_>,
        data: &Data,
    ) -> AppResult<std::collections::BTreeMap<Step, FormErrors>> {
        let mut conn = cx.state.db.acquire().await?;
        let checked = service::check(&mut conn, cx.scope, &data.input(), data.editing).await;
        wizard::refusals::<Self>(checked)
    }

    async fn render(
        &self,
        cx: &Cx<'_>,
        draft: Draft,
        step: Step,
        errors: FormErrors,
    ) -> AppResult<Response> {
        let w = view(&draft, step, errors);
        let d = draft.data;
        Ok(match step {
            Step::Offer => OfferPage {
                page: page_ctx(cx, &d).await?,
                w,
                d,
            }
            .into_response(),
            Step::Basics => render_basics(cx, d, w).await?.into_response(),
            Step::Calling => render_calling(cx, d, w).await?.into_response(),
            Step::Auth => AuthPage {
                page: page_ctx(cx, &d).await?,
                w,
                d,
            }
            .into_response(),
            Step::Email => render_email(cx, d, w).await?.into_response(),
            Step::Summary => render_summary(cx, d, w).await?.into_response(),
        })
    }

    /// Pasted metadata passed: keep the entity ID it names, not the XML.
    fn passed(&self, d: &mut Data, step: Step) {
        if step == Step::Auth {
            if d.auth_mode == "saml"
                && let Some(entity) = service::entity_id_from_metadata(&d.saml_metadata)
            {
                d.saml_entity_id = entity;
            }
            d.saml_metadata.clear();
        }
    }
}

fn view(draft: &Draft, step: Step, errors: FormErrors) -> View {
    let d = &draft.data;
    let heading = match d.editing {
        Some(_) => format!("Edit onboarding template: {}", d.editing_name),
        None => "Create onboarding template".into(),
    };
    View::new(heading, paths::TEMPLATE_NEW_CANCEL, draft, step, errors).editing(d.editing.is_some())
}

fn guard(scope: &PartnerScope) -> AppResult<()> {
    TemplateWizard::require(scope)
}

async fn page_ctx(cx: &Cx<'_>, d: &Data) -> AppResult<PageCtx> {
    let title = if d.editing.is_some() {
        "Edit onboarding template"
    } else {
        "Create onboarding template"
    };
    let page = PageCtx::partner(cx.scope, cx.session, "templates", title).await?;
    Ok(match d.editing {
        Some(id) => page.at(
            Trail::templates().to(&d.editing_name, paths::template(id)),
            "Edit",
        ),
        None => page.at(Trail::templates(), "New template"),
    })
}

/// Opens the new-template wizard where it was left. An unfinished change to a template
/// is kept (a GET loses nothing): its edit address resumes it.
async fn start(scope: PartnerScope, session: AuthSession) -> AppResult<Response> {
    guard(&scope)?;
    session.remove::<bool>(MODE_EDIT).await?;
    wizard::resume(&TemplateWizard { editing: false }, &session).await
}

async fn cancel(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    let w = TemplateWizard::current(&session).await?;
    let d = w.slot().load(&session).await?.data;
    w.discard(&session).await?;
    Ok(Redirect::to(&match d.editing {
        Some(id) => paths::template(id),
        None => paths::TEMPLATES.to_string(),
    }))
}

/// The template `id` of the partner, or not found.
async fn own_template(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
) -> AppResult<store::templates::TemplateRow> {
    store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)
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
    own_template(&state, &scope, id).await?;
    let resuming = DRAFT_EDIT.load(&session).await?.data.editing == Some(id);
    if !resuming {
        return Ok(Redirect::to(&paths::template(id)));
    }
    // Back to the change under way (the new-template wizard may have been open).
    session.insert(MODE_EDIT, true).await?;
    Ok(Redirect::to(Step::Summary.path()))
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
    let t = own_template(&state, &scope, id).await?;
    DRAFT_EDIT
        .save(&session, &Draft::complete(Data::from_row(t)))
        .await?;
    session.insert(MODE_EDIT, true).await?;
    Ok(Redirect::to(Step::Summary.path()))
}

// ── Step 1: offer type ───────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_offer.html")]
struct OfferPage {
    page: PageCtx,
    w: View,
    d: Data,
}

async fn offer_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Offer).await
}

#[derive(Deserialize)]
struct OfferForm {
    offer_broadworks: Option<String>,
}

async fn offer_submit(r: StepRequest, Form(f): Form<OfferForm>) -> AppResult<Response> {
    let broadworks = f.offer_broadworks.is_some();
    wizard::post::<TemplateWizard>(&r.cx(), Step::Offer, Nav::Next, |draft| {
        if broadworks != draft.data.offer_broadworks {
            // The Webex-to-Webex choice appears or goes: show the email step again.
            draft.reopen(Step::Email);
            if !broadworks {
                draft.data.allow_webex_to_webex = false;
            }
        }
        draft.data.offer_broadworks = broadworks;
    })
    .await
}

// ── Step 2: basics ───────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_basics.html")]
struct BasicsPage {
    page: PageCtx,
    w: View,
    d: Data,
    admins: Vec<Choice>,
    countries: Vec<Choice>,
    languages: Vec<Choice>,
    subscriptions: Vec<Choice>,
    subscription_fixed: bool,
}

async fn render_basics(cx: &Cx<'_>, mut d: Data, w: View) -> AppResult<BasicsPage> {
    let (state, scope) = (cx.state, cx.scope);
    let admins = store::templates::partner_admins(&state.db, scope.org_id()).await?;
    let subscriptions = store::orgs::subscription_ids(&state.db, scope.org_id()).await?;
    let subscription_fixed = service::subscription_is_fixed(scope);
    if (subscription_fixed || subscriptions.len() == 1)
        && !subscriptions.contains(&d.subscription_id)
        && let Some(first) = subscriptions.first()
    {
        d.subscription_id = first.clone();
    }
    if d.sp_admin_email.is_empty() && w.errors.is_empty() {
        d.sp_admin_email = admins
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(&scope.actor.email))
            .map(|a| a.email.clone())
            .unwrap_or_default();
    }
    Ok(BasicsPage {
        page: page_ctx(cx, &d).await?,
        w,
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
        languages: choices(locales::choices(), &d.language),
        subscriptions: choices(
            subscriptions.into_iter().map(|s| (s.clone(), s)),
            &d.subscription_id,
        ),
        subscription_fixed,
        d,
    })
}

async fn basics_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Basics).await
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
    r: StepRequest,
    CheckedForm { form: f, controls }: CheckedForm<BasicsForm>,
) -> AppResult<Response> {
    guard(&r.scope)?;
    // Fixed to the parent's: whatever was sent does not count.
    let subscription_id = if service::subscription_is_fixed(&r.scope) {
        store::orgs::subscription_ids(&r.state.db, r.scope.org_id())
            .await?
            .into_iter()
            .next()
            .unwrap_or_default()
    } else {
        f.subscription_id
    };
    let fill = |draft: &mut Draft| {
        let d = &mut draft.data;
        d.name = f.name;
        d.sp_admin_email = f.sp_admin_email;
        d.country = f.country.trim().to_ascii_uppercase();
        d.language = f.language;
        d.subscription_id = subscription_id;
    };
    if !controls.is_empty() {
        // Shown beside the fields with everything typed kept; nothing is saved.
        let w = TemplateWizard::current(&r.session).await?;
        let mut draft = w.slot().load(&r.session).await?;
        fill(&mut draft);
        return wizard::again(&w, &r.cx(), draft, Step::Basics, controls).await;
    }
    let nav = Nav::from_field(&f.nav);
    wizard::post::<TemplateWizard>(&r.cx(), Step::Basics, nav, fill).await
}

// ── Step 3: wholesale calling ────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_calling.html")]
struct CallingPage {
    page: PageCtx,
    w: View,
    vendors: Vec<Choice>,
    warning: &'static str,
}

async fn render_calling(cx: &Cx<'_>, d: Data, w: View) -> AppResult<CallingPage> {
    Ok(CallingPage {
        page: page_ctx(cx, &d).await?,
        w,
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

async fn calling_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Calling).await
}

#[derive(Deserialize)]
struct CallingForm {
    #[serde(default)]
    pstn_vendor: String,
    #[serde(default)]
    nav: String,
}

async fn calling_submit(r: StepRequest, Form(f): Form<CallingForm>) -> AppResult<Response> {
    let nav = Nav::from_field(&f.nav);
    wizard::post::<TemplateWizard>(&r.cx(), Step::Calling, nav, |draft| {
        draft.data.pstn_vendor = f.pstn_vendor;
    })
    .await
}

// ── Step 4: authentication mode ──────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_auth.html")]
struct AuthPage {
    page: PageCtx,
    w: View,
    d: Data,
}

async fn auth_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Auth).await
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

async fn auth_submit(r: StepRequest, Form(f): Form<AuthForm>) -> AppResult<Response> {
    let nav = Nav::from_field(&f.nav);
    wizard::post::<TemplateWizard>(&r.cx(), Step::Auth, nav, |draft| {
        let d = &mut draft.data;
        d.auth_mode = f.auth_mode;
        d.saml_entity_id = f.saml_entity_id;
        d.saml_metadata = f.saml_metadata;
        d.oidc_idp_name = f.oidc_idp_name;
    })
    .await
}

// ── Step 5: email and calling ────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_email.html")]
struct EmailPage {
    page: PageCtx,
    w: View,
    d: Data,
}

async fn render_email(cx: &Cx<'_>, mut d: Data, w: View) -> AppResult<EmailPage> {
    if d.email_brand_name.is_empty() && w.errors.is_empty() {
        d.email_brand_name = cx.scope.org.name.clone();
    }
    Ok(EmailPage {
        page: page_ctx(cx, &d).await?,
        w,
        d,
    })
}

async fn email_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Email).await
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

async fn email_submit(r: StepRequest, Form(f): Form<EmailForm>) -> AppResult<Response> {
    let nav = Nav::from_field(&f.nav);
    wizard::post::<TemplateWizard>(&r.cx(), Step::Email, nav, |draft| {
        let d = &mut draft.data;
        d.email_brand_name = f.email_brand_name;
        d.allow_admin_invite_emails = f.allow_admin_invite_emails.is_some();
        // Offered only with both offer types; the service stores false otherwise too.
        d.allow_webex_to_webex = d.offer_broadworks && f.allow_webex_to_webex.is_some();
    })
    .await
}

// ── Step 6: summary and submit ───────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/new_summary.html")]
struct SummaryPage {
    page: PageCtx,
    w: View,
    d: Data,
    country_name: String,
    sp_admin_label: String,
    vendor_warning: &'static str,
}

async fn render_summary(cx: &Cx<'_>, d: Data, w: View) -> AppResult<SummaryPage> {
    let sp_admin_label = store::templates::partner_admins(&cx.state.db, cx.scope.org_id())
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
        page: page_ctx(cx, &d).await?,
        w,
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        sp_admin_label,
        vendor_warning: pstn_vendors::WARNING,
        d,
    })
}

async fn summary_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<TemplateWizard>(&r.cx(), Step::Summary).await
}

/// Creates the template, or changes the one being edited.
async fn submit(r: StepRequest, req: ReqInfo) -> AppResult<Response> {
    let (state, scope, session) = (&r.state, &r.scope, &r.session);
    guard(scope)?;
    let w = TemplateWizard::current(session).await?;
    let draft = match wizard::complete_draft(&w, session).await? {
        Ok(draft) => draft,
        Err(open_step) => return Ok(open_step),
    };
    let d = &draft.data;
    let input = d.input();
    let result = match d.editing {
        Some(id) => service::update(state, scope, id, &input, &req.ctx())
            .await
            .map(|()| id),
        None => service::create(state, scope, &input, &req.ctx()).await,
    };
    match result {
        Ok(id) => {
            TemplateWizard::of(d).discard(session).await?;
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
        Err(AppError::Validation(all)) => wizard::refused(&w, &r.cx(), draft, all).await,
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
                TemplateWizard::place(&Field::Template(field)),
                (step, name.to_string()),
                "{field:?}"
            );
        }
        assert_eq!(
            TemplateWizard::place(&Field::Other("form".into())),
            (Step::Summary, "form".to_string())
        );
        assert_eq!(
            TemplateWizard::place(&Field::CustomerName),
            (Step::Summary, "form".to_string())
        );
    }
}
