//! The branding form as both hubs send it (SPEC §12): Partner Hub's Settings →
//! Branding, and an attached org's own in Control Hub. Multipart, for the logo.

use crate::error::{AppError, AppResult};
use crate::services::branding::{self, BrandingInput};
use crate::store::branding::Colours;
use crate::web::fields::FormErrors;

/// The form's fields as both pages show them (`templates/branding_fields.html`): what
/// was typed, or else what is saved, or else the portal's own colours.
pub struct BrandingFields {
    pub form: BrandingInput,
    pub errors: FormErrors,
    /// The visitor may look but not change (the fieldsets are disabled).
    pub disabled: bool,
    /// The inputs drive the page's live preview (Partner Hub's, with its script).
    pub live_preview: bool,
    /// A logo is saved, so the form offers to remove it.
    pub has_logo: bool,
}

impl BrandingFields {
    pub fn new(typed: Option<BrandingInput>, saved: Option<&Colours>, errors: FormErrors) -> Self {
        let form = typed.unwrap_or_else(|| {
            let c = saved.cloned().unwrap_or_else(branding::default_colours);
            BrandingInput {
                light_primary: c.light_primary,
                light_accent: c.light_accent,
                dark_primary: c.dark_primary,
                dark_accent: c.dark_accent,
                support_url: c.support_url.unwrap_or_default(),
                logo: None,
                remove_logo: false,
            }
        });
        BrandingFields {
            form,
            errors,
            disabled: false,
            live_preview: false,
            has_logo: false,
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    pub fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }

    pub fn colour(&self, field: &str) -> &str {
        match field {
            "light_primary" => &self.form.light_primary,
            "light_accent" => &self.form.light_accent,
            "dark_primary" => &self.form.dark_primary,
            _ => &self.form.dark_accent,
        }
    }
}

/// Reads the multipart form: the colours, the support address, the logo file.
pub async fn read_form(req: axum::extract::Request) -> AppResult<BrandingInput> {
    let mut form = crate::web::forms::multipart_upload(req, "logo", "logo").await?;
    let mut input = BrandingInput::default();
    while let Some(field) = form.next_field().await.map_err(|_| {
        AppError::field(
            "logo",
            "The form could not be read (a logo can be at most 256 KB).",
        )
    })? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "logo" {
            let bytes = field.bytes().await.map_err(|_| {
                AppError::field("logo", "The logo could not be read (at most 256 KB).")
            })?;
            if !bytes.is_empty() {
                input.logo = Some(bytes.to_vec());
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "light_primary" => input.light_primary = text,
            "light_accent" => input.light_accent = text,
            "dark_primary" => input.dark_primary = text,
            "dark_accent" => input.dark_accent = text,
            "support_url" => input.support_url = text,
            "remove_logo" => input.remove_logo = true,
            _ => {}
        }
    }
    Ok(input)
}
