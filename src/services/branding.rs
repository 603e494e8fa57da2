//! Saving a partner's branding (SPEC §12): its full admins set the colours for light
//! and dark mode, a support address and a logo; every field is checked
//! (`domain::branding`) before anything is stored, and the change is audited.

use crate::domain::branding::{check_support_url, logo_type, parse_colour, text_on};
use crate::domain::fields::{Field, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::services::audit::audit_control_change;
use crate::services::{RequestCtx, audit_partner_change};
use crate::state::AppState;
use crate::store;
use crate::store::branding::{BrandOwner, Colours};
use crate::tenancy::policy::{CustomerAccess, PartnerAction};
use crate::tenancy::scope::{CustomerScope, PartnerScope};

/// The colours a partner starts from: the portal's own.
pub fn default_colours() -> Colours {
    Colours {
        light_primary: "#ffffff".into(),
        light_accent: "#0b62d6".into(),
        dark_primary: "#1d2129".into(),
        dark_accent: "#5b9dff".into(),
        support_url: None,
    }
}

/// The form as sent.
#[derive(Debug, Default, Clone)]
pub struct BrandingInput {
    pub light_primary: String,
    pub light_accent: String,
    pub dark_primary: String,
    pub dark_accent: String,
    pub support_url: String,
    /// A new logo's bytes, when a file was chosen.
    pub logo: Option<Vec<u8>>,
    pub remove_logo: bool,
}

/// The form fields, by the names the page gives them.
pub const COLOUR_FIELDS: [&str; 4] = [
    "light_primary",
    "light_accent",
    "dark_primary",
    "dark_accent",
];

/// Saves a partner's branding, or answers every field refused (nothing is stored then).
pub async fn save(
    state: &AppState,
    scope: &PartnerScope,
    input: &BrandingInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require(PartnerAction::ManageAdministration)?;
    let (colours, logo) = checked(input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let detail = store_branding(
        &mut tx,
        scope.org_id(),
        &colours,
        logo,
        input.remove_logo,
        now,
    )
    .await?;
    audit_partner_change(
        &mut tx,
        scope,
        scope.org.id,
        "branding.update",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// May this visitor set the org's own branding? The full admins of an org wholesale
/// was attached to (SPEC §12: an attached org may override its partner's branding).
/// Never a partner admin: the branding it overrides is the partner's.
pub fn may_override(scope: &CustomerScope) -> bool {
    scope.access == CustomerAccess::CustomerFull && scope.org.attached()
}

/// The refusal for the org's own-branding page: it exists only in an attached org
/// (404 elsewhere), and only its full admins use it (403).
pub fn require_override(scope: &CustomerScope) -> AppResult<()> {
    if !scope.org.attached() {
        Err(AppError::NotFound)
    } else if !may_override(scope) {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

/// Saves an attached org's own branding, shown in its Control Hub instead of its
/// partner's.
pub async fn save_own(
    state: &AppState,
    scope: &CustomerScope,
    input: &BrandingInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    require_override(scope)?;
    let (colours, logo) = checked(input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let detail = store_branding(
        &mut tx,
        scope.org_id(),
        &colours,
        logo,
        input.remove_logo,
        now,
    )
    .await?;
    audit_control_change(&mut tx, scope, ctx, "branding.override", detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Drops an attached org's own branding: its partner's shows again.
pub async fn reset_own(
    state: &AppState,
    scope: &CustomerScope,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    require_override(scope)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if store::branding::remove(&mut *tx, scope.org_id()).await? {
        audit_control_change(
            &mut tx,
            scope,
            ctx,
            "branding.reset",
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A checked logo: its bytes and content type.
type Logo<'a> = (&'a [u8], &'static str);

/// Every field of the form checked; all refusals at once.
fn checked(input: &BrandingInput) -> AppResult<(Colours, Option<Logo<'_>>)> {
    let mut errors = FieldErrors::new();
    let mut colour = |name: &str, value: &str| {
        parse_colour(value).unwrap_or_else(|| {
            errors.add(
                Field::Other(name.into()),
                "Enter a colour as # and six hexadecimal digits, for example #0b62d6.",
            );
            String::new()
        })
    };
    let light_primary = colour("light_primary", &input.light_primary);
    let light_accent = colour("light_accent", &input.light_accent);
    let dark_primary = colour("dark_primary", &input.dark_primary);
    let dark_accent = colour("dark_accent", &input.dark_accent);
    let support_url = match input.support_url.trim() {
        "" => None,
        s => match check_support_url(s) {
            Ok(u) => Some(u),
            Err(m) => {
                errors.add(Field::Other("support_url".into()), m);
                None
            }
        },
    };
    let logo = match &input.logo {
        Some(bytes) => match logo_type(bytes) {
            Ok(t) => Some((bytes.as_slice(), t)),
            Err(m) => {
                errors.add(Field::Other("logo".into()), m);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        Colours {
            light_primary,
            light_accent,
            dark_primary,
            dark_accent,
            support_url,
        },
        logo,
    ))
}

/// Stores checked branding for `owner`; answers what changed, for the audit entry.
async fn store_branding(
    tx: &mut sqlx::PgConnection,
    owner: impl Into<BrandOwner> + Copy,
    colours: &Colours,
    logo: Option<(&[u8], &str)>,
    remove_logo: bool,
    now: time::OffsetDateTime,
) -> AppResult<serde_json::Value> {
    store::branding::save_colours(&mut *tx, owner, colours, now).await?;
    let logo_change = if let Some(logo) = logo {
        store::branding::set_logo(&mut *tx, owner, Some(logo), now).await?;
        serde_json::json!({ "replaced": logo.1, "bytes": logo.0.len() })
    } else if remove_logo {
        store::branding::set_logo(&mut *tx, owner, None, now).await?;
        serde_json::json!("removed")
    } else {
        serde_json::json!("kept")
    };
    Ok(serde_json::json!({
        "light": [colours.light_primary, colours.light_accent],
        "dark": [colours.dark_primary, colours.dark_accent],
        "support_url": colours.support_url,
        "logo": logo_change,
    }))
}

fn scheme(primary: &str, accent: &str) -> String {
    format!(
        "--brand-bar: {primary}; --brand-bar-fg: {}; --accent: {accent}; --accent-fg: {};",
        text_on(primary),
        text_on(accent)
    )
}

/// The stylesheet that applies `c` to Control Hub: custom properties only, from
/// colours `parse_colour` wrote (nothing else of the admin's input reaches it).
pub fn theme_css(c: &Colours) -> String {
    format!(
        ":root {{ {} }}\n@media (prefers-color-scheme: dark) {{\n  :root {{ {} }}\n}}\n",
        scheme(&c.light_primary, &c.light_accent),
        scheme(&c.dark_primary, &c.dark_accent),
    )
}

/// The settings page's preview of `c`: the same properties on its two sample bars
/// only, so that Partner Hub itself keeps its own colours.
pub fn preview_css(c: &Colours) -> String {
    format!(
        ".brand-preview.light {{ {} }}\n.brand-preview.dark {{ {} }}\n",
        scheme(&c.light_primary, &c.light_accent),
        scheme(&c.dark_primary, &c.dark_accent),
    )
}
