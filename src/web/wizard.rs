//! The engine every multi-step form runs on: the create-customer wizard (SPEC §4.1) and
//! the onboarding-template wizard (SPEC §3), and the Control Hub wizards to come.
//!
//! A wizard names its steps (`WizardStep`), keeps what was typed in a typed draft in the
//! session (`DraftSlot`), and says how to check and render a step (`Wizard`). The engine
//! owns the state machine both wizards share:
//! - a step page opens once every step before it passed; otherwise the first open step;
//! - Next checks the whole draft with the service the API uses too and keeps only that
//!   step's errors: valid, it moves to the first step still open; invalid, the step
//!   again (400) with everything typed kept;
//! - Back saves the step as typed, unchecked, and shows the previous one;
//! - the final submit, refused by the service (something changed since the step was
//!   checked), reopens the first step that needs attention.
//!
//! The draft survives a reload, the browser's Back button or leaving and coming back.
//! One stepper partial (`partials/wizard_partial.html`) and one button row
//! (`partials/wizard_nav_partial.html`) render every wizard's steps.

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::fields::{Field, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::fields::FormErrors;

/// The form field of errors that belong to no control: said at the top of the step.
pub const FORM: &str = "form";

/// One step of a wizard.
pub trait WizardStep:
    Copy + Eq + Ord + Serialize + DeserializeOwned + Send + Sync + std::fmt::Debug + 'static
{
    /// Every step in order. The last is the summary: it has no form of its own and opens
    /// once all the others passed.
    const ALL: &'static [Self];
    /// The step page's address.
    fn path(self) -> &'static str;
    /// Its name in the stepper.
    fn label(self) -> &'static str;
}

fn summary<S: WizardStep>() -> S {
    *S::ALL.last().expect("a wizard has steps")
}

fn form_steps<S: WizardStep>() -> &'static [S] {
    &S::ALL[..S::ALL.len() - 1]
}

fn number<S: WizardStep>(step: S) -> u8 {
    S::ALL
        .iter()
        .position(|s| *s == step)
        .map_or(0, |i| i as u8 + 1)
}

fn previous<S: WizardStep>(step: S) -> S {
    let i = S::ALL.iter().position(|s| *s == step).unwrap_or(0);
    S::ALL[i.saturating_sub(1)]
}

/// What the session keeps of a wizard: everything typed so far, as typed (strings, so
/// nothing is lost to parsing), and the steps that passed.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(bound(serialize = "D: Serialize", deserialize = "D: DeserializeOwned"))]
pub struct Draft<D, S: WizardStep> {
    pub data: D,
    done: Vec<S>,
}

impl<D: Default, S: WizardStep> Default for Draft<D, S> {
    fn default() -> Self {
        Self {
            data: D::default(),
            done: vec![],
        }
    }
}

impl<D, S: WizardStep> Draft<D, S> {
    /// A draft whose form steps have all passed (e.g. loaded from a saved record).
    pub fn complete(data: D) -> Self {
        Self {
            data,
            done: form_steps::<S>().to_vec(),
        }
    }

    /// The first step that has not passed; the summary once all have.
    pub fn first_open(&self) -> S {
        form_steps::<S>()
            .iter()
            .copied()
            .find(|s| !self.done.contains(s))
            .unwrap_or_else(summary::<S>)
    }

    /// A step page may open once every step before it passed.
    pub fn may_open(&self, step: S) -> bool {
        form_steps::<S>()
            .iter()
            .filter(|s| **s < step)
            .all(|s| self.done.contains(s))
    }

    pub fn is_complete(&self) -> bool {
        self.first_open() == summary::<S>()
    }

    /// `step` is to be passed again (what it depends on changed).
    pub fn reopen(&mut self, step: S) {
        self.done.retain(|s| *s != step);
    }

    fn mark(&mut self, step: S, passed: bool) {
        self.reopen(step);
        if passed {
            self.done.push(step);
        }
    }
}

/// Where a wizard keeps its draft in the session: one named key, one type.
pub struct DraftSlot<D, S> {
    key: &'static str,
    _draft: PhantomData<fn() -> (D, S)>,
}

impl<D, S> DraftSlot<D, S>
where
    D: Default + Serialize + DeserializeOwned,
    S: WizardStep,
{
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            _draft: PhantomData,
        }
    }

    /// The draft, or an empty one. A draft this version cannot read (kept by an older
    /// one) starts afresh rather than failing every step page.
    pub async fn load(&self, session: &AuthSession) -> AppResult<Draft<D, S>> {
        match session.get::<Draft<D, S>>(self.key).await {
            Ok(draft) => Ok(draft.unwrap_or_default()),
            Err(tower_sessions::session::Error::SerdeJson(e)) => {
                tracing::warn!(key = self.key, error = %e, "unreadable wizard draft dropped");
                Ok(Draft::default())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn save(&self, session: &AuthSession, draft: &Draft<D, S>) -> AppResult<()> {
        session.insert(self.key, draft).await?;
        Ok(())
    }

    pub async fn discard(&self, session: &AuthSession) -> AppResult<()> {
        session.remove_value(self.key).await?;
        Ok(())
    }
}

/// What a step's button row asked for. Next is what Enter in a field sends: the nav
/// partial puts Next first in the form, and a browser's implicit submission presses
/// the form's first button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Next,
    Back,
}

impl Nav {
    /// The `nav` field of a step's form; anything but `back` (or nothing) is Next.
    pub fn from_field(value: &str) -> Self {
        if value == "back" {
            Nav::Back
        } else {
            Nav::Next
        }
    }
}

/// What a step is checked and rendered with: the request's state, who asks and their
/// session.
pub struct Cx<'a> {
    pub state: &'a AppState,
    pub scope: &'a PartnerScope,
    pub session: &'a AuthSession,
}

impl<'a> Cx<'a> {
    pub fn new(state: &'a AppState, scope: &'a PartnerScope, session: &'a AuthSession) -> Self {
        Self {
            state,
            scope,
            session,
        }
    }
}

/// A step handler's request: the state, who asks and their session, taken together.
/// Extracting it checks only that someone signed in; the wizard's own role check is
/// `Wizard::require`, which `open` and `post` run first.
pub struct StepRequest {
    pub state: AppState,
    pub scope: PartnerScope,
    pub session: AuthSession,
}

impl StepRequest {
    pub fn cx(&self) -> Cx<'_> {
        Cx::new(&self.state, &self.scope, &self.session)
    }
}

impl FromRequestParts<AppState> for StepRequest {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let scope = PartnerScope::from_request_parts(parts, state).await?;
        let session = AuthSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            state: state.clone(),
            scope,
            session,
        })
    }
}

/// A wizard: its steps, its draft, how a step is checked and how it is shown.
pub trait Wizard: Sync + Sized {
    type Step: WizardStep;
    type Data: Clone + Default + Serialize + DeserializeOwned + Send + Sync;

    /// Who may use the wizard: checked before any draft is read.
    fn require(scope: &PartnerScope) -> AppResult<()>;

    /// The wizard a request works on (one wizard may keep more than one draft).
    fn current(session: &AuthSession) -> impl Future<Output = AppResult<Self>> + Send;

    /// Where this wizard's draft is kept.
    fn slot(&self) -> DraftSlot<Self::Data, Self::Step>;

    /// The step and form control a service's error is shown at.
    fn place(field: &Field) -> (Self::Step, String);

    /// Every error of the draft, by step and form field: the service's own check (the
    /// one the API runs) plus anything the wizard asks for itself. `group::<Self>` turns
    /// the service's errors into this shape.
    fn check(
        &self,
        cx: &Cx<'_>,
        data: &Self::Data,
    ) -> impl Future<Output = AppResult<BTreeMap<Self::Step, FormErrors>>> + Send;

    /// The page of `step`, with `errors` beside its fields.
    fn render(
        &self,
        cx: &Cx<'_>,
        draft: Draft<Self::Data, Self::Step>,
        step: Self::Step,
        errors: FormErrors,
    ) -> impl Future<Output = AppResult<Response>> + Send;

    /// Called when `step` passed, before the draft is saved (e.g. to keep what pasted
    /// text named rather than the text).
    fn passed(&self, _data: &mut Self::Data, _step: Self::Step) {}
}

/// A service's errors by the step and form control they belong to. The same message for
/// one control is said once (a wizard may send one value as two of the service's fields).
pub fn group<W: Wizard>(all: FieldErrors) -> BTreeMap<W::Step, FormErrors> {
    let mut by_step: BTreeMap<W::Step, FormErrors> = BTreeMap::new();
    for e in all {
        let (step, field) = W::place(&e.field);
        let messages = by_step.entry(step).or_default().entry(field).or_default();
        if !messages.contains(&e.message) {
            messages.push(e.message);
        }
    }
    by_step
}

/// The service's check as errors by step: its refusal of the input, or none.
pub fn refusals<W: Wizard>(
    checked: AppResult<impl Sized>,
) -> AppResult<BTreeMap<W::Step, FormErrors>> {
    match checked {
        Ok(_) => Ok(BTreeMap::new()),
        Err(AppError::Validation(all)) => Ok(group::<W>(all)),
        Err(e) => Err(e),
    }
}

/// Adds a wizard's own message for `field` on `step`, unless the service said one.
pub fn ask_for<S: Ord>(errors: &mut BTreeMap<S, FormErrors>, step: S, field: &str, message: &str) {
    let mine = errors.entry(step).or_default();
    if !mine.contains_key(field) {
        mine.insert(field.into(), vec![message.into()]);
    }
}

fn to(step: impl WizardStep) -> Response {
    Redirect::to(step.path()).into_response()
}

/// The wizard's own address: where it was left.
pub async fn resume<W: Wizard>(w: &W, session: &AuthSession) -> AppResult<Response> {
    Ok(to(w.slot().load(session).await?.first_open()))
}

/// GET of a step page: who may use the wizard, then the page once the steps before it
/// passed, else the first open step.
pub async fn open<W: Wizard>(cx: &Cx<'_>, step: W::Step) -> AppResult<Response> {
    W::require(cx.scope)?;
    let w = W::current(cx.session).await?;
    let draft = w.slot().load(cx.session).await?;
    if !draft.may_open(step) {
        return Ok(to(draft.first_open()));
    }
    w.render(cx, draft, step, FormErrors::new()).await
}

/// POST of a step: who may use the wizard, then its form read into the draft by `fill`.
/// Back saves it unchecked and shows the previous step; Next saves it and moves on when
/// the step is valid, else shows it again with its errors.
pub async fn post<W: Wizard>(
    cx: &Cx<'_>,
    step: W::Step,
    nav: Nav,
    fill: impl FnOnce(&mut Draft<W::Data, W::Step>),
) -> AppResult<Response> {
    W::require(cx.scope)?;
    let w = W::current(cx.session).await?;
    let mut draft = w.slot().load(cx.session).await?;
    fill(&mut draft);
    if nav == Nav::Back {
        w.slot().save(cx.session, &draft).await?;
        return Ok(to(previous(step)));
    }
    let errors = w
        .check(cx, &draft.data)
        .await?
        .remove(&step)
        .unwrap_or_default();
    let passed = errors.is_empty();
    draft.mark(step, passed);
    if passed {
        w.passed(&mut draft.data, step);
    }
    w.slot().save(cx.session, &draft).await?;
    if passed {
        return Ok(to(draft.first_open()));
    }
    again(&w, cx, draft, step, errors).await
}

/// A step shown again with `errors` (400), everything typed kept and nothing saved.
pub async fn again<W: Wizard>(
    w: &W,
    cx: &Cx<'_>,
    draft: Draft<W::Data, W::Step>,
    step: W::Step,
    errors: FormErrors,
) -> AppResult<Response> {
    let page = w.render(cx, draft, step, errors).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

/// The draft for the final submit, or where to go first when a step is still open.
pub async fn complete_draft<W: Wizard>(
    w: &W,
    session: &AuthSession,
) -> AppResult<Result<Draft<W::Data, W::Step>, Response>> {
    let draft = w.slot().load(session).await?;
    Ok(if draft.is_complete() {
        Ok(draft)
    } else {
        Err(to(draft.first_open()))
    })
}

/// The final submit refused by the service: something changed since the steps were
/// checked (say, the name was taken meanwhile). The first step that needs attention
/// opens again, with its errors, and every step after it is to be passed again.
pub async fn refused<W: Wizard>(
    w: &W,
    cx: &Cx<'_>,
    mut draft: Draft<W::Data, W::Step>,
    all: FieldErrors,
) -> AppResult<Response> {
    let (step, errors) = group::<W>(all)
        .into_iter()
        .next()
        .unwrap_or_else(|| (summary::<W::Step>(), FormErrors::new()));
    draft.done.retain(|s| *s < step);
    w.slot().save(cx.session, &draft).await?;
    again(w, cx, draft, step, errors).await
}

// ── What every step page shows ──────────────────────────────────────────────────

/// One entry of the stepper. A step that may open and is not the current one is a link,
/// so a passed step can be reopened from the stepper.
pub struct StepLink {
    pub label: &'static str,
    pub href: Option<&'static str>,
    pub current: bool,
    pub done: bool,
}

/// The heading, stepper and errors every step page shares (`w` in the templates).
pub struct View {
    pub heading: String,
    pub step: u8,
    pub steps: Vec<StepLink>,
    pub errors: FormErrors,
    /// Set while the wizard changes a saved record rather than creating one.
    pub editing: bool,
    /// Where the previous step is, for the summary's Back link; `None` on the first.
    pub back: Option<&'static str>,
    /// Where Cancel posts to discard the draft.
    pub cancel: &'static str,
}

impl View {
    pub fn new<D, S: WizardStep>(
        heading: impl Into<String>,
        cancel: &'static str,
        draft: &Draft<D, S>,
        step: S,
        errors: FormErrors,
    ) -> Self {
        let steps = S::ALL
            .iter()
            .map(|s| StepLink {
                label: s.label(),
                href: (*s != step && draft.may_open(*s)).then(|| s.path()),
                current: *s == step,
                done: draft.done.contains(s),
            })
            .collect();
        Self {
            heading: heading.into(),
            step: number(step),
            steps,
            errors,
            editing: false,
            back: (S::ALL.first() != Some(&step)).then(|| previous(step).path()),
            cancel,
        }
    }

    pub fn editing(mut self, editing: bool) -> Self {
        self.editing = editing;
        self
    }

    pub fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// Every control with an error and what it says, for the summary at the top of the
    /// step that links to each (the form-level message is said on its own).
    pub fn field_errors(&self) -> Vec<(&str, String)> {
        self.errors
            .iter()
            .filter(|(field, _)| field.as_str() != FORM)
            .map(|(field, messages)| (field.as_str(), messages.join(" ")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    enum S {
        A,
        B,
        C,
        Summary,
    }

    impl WizardStep for S {
        const ALL: &'static [Self] = &[S::A, S::B, S::C, S::Summary];
        fn path(self) -> &'static str {
            match self {
                S::A => "/a",
                S::B => "/b",
                S::C => "/c",
                S::Summary => "/summary",
            }
        }
        fn label(self) -> &'static str {
            "step"
        }
    }

    fn draft(done: &[S]) -> Draft<(), S> {
        Draft {
            data: (),
            done: done.to_vec(),
        }
    }

    #[test]
    fn a_step_opens_only_after_the_steps_before_it() {
        let d = draft(&[]);
        assert!(d.may_open(S::A));
        assert!(!d.may_open(S::B));
        assert_eq!(d.first_open(), S::A);
        let d = draft(&[S::A, S::B]);
        assert!(d.may_open(S::C));
        assert!(!d.may_open(S::Summary));
        assert_eq!(d.first_open(), S::C);
        // A later step passed while an earlier one is open again: the earlier one first.
        let d = draft(&[S::B, S::C]);
        assert_eq!(d.first_open(), S::A);
        assert!(!d.may_open(S::C));
        let d = Draft::<(), S>::complete(());
        assert!(d.is_complete());
        assert_eq!(d.first_open(), S::Summary);
    }

    #[test]
    fn back_and_numbers_follow_the_order() {
        assert_eq!(previous(S::A), S::A);
        assert_eq!(previous(S::C), S::B);
        assert_eq!(previous(S::Summary), S::C);
        assert_eq!(number(S::A), 1);
        assert_eq!(number(S::Summary), 4);
    }

    #[test]
    fn the_stepper_links_the_steps_that_may_open_except_the_current_one() {
        let d = draft(&[S::A, S::B]);
        let v = View::new("h", "/cancel", &d, S::B, FormErrors::new());
        let hrefs: Vec<_> = v.steps.iter().map(|s| s.href).collect();
        assert_eq!(hrefs, vec![Some("/a"), None, Some("/c"), None]);
        assert!(v.steps[1].current);
        assert!(v.steps[0].done && !v.steps[2].done);
        assert_eq!(v.back, Some("/a"));
        assert_eq!(
            View::new("h", "/cancel", &d, S::A, FormErrors::new()).back,
            None
        );
    }

    #[test]
    fn passing_a_step_again_keeps_it_once_and_failing_it_reopens_it() {
        let mut d = draft(&[S::A]);
        d.mark(S::A, true);
        assert_eq!(d.done, vec![S::A]);
        d.mark(S::A, false);
        assert!(d.done.is_empty());
    }

    #[test]
    fn the_error_summary_lists_the_fields_but_not_the_form_message() {
        let errors = FormErrors::from([
            ("form".to_string(), vec!["Try again.".to_string()]),
            ("name".to_string(), vec!["Enter a name.".to_string()]),
        ]);
        let v = View::new("h", "/cancel", &draft(&[]), S::A, errors);
        assert_eq!(
            v.field_errors(),
            vec![("name", "Enter a name.".to_string())]
        );
    }

    #[test]
    fn nav_is_next_unless_back_was_pressed() {
        assert_eq!(Nav::from_field("back"), Nav::Back);
        assert_eq!(Nav::from_field("next"), Nav::Next);
        assert_eq!(Nav::from_field(""), Nav::Next);
    }
}
