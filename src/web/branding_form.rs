//! The branding form as both hubs send it (SPEC §12): Partner Hub's Settings →
//! Branding, and an attached org's own in Control Hub. Multipart, for the logo.

use crate::error::{AppError, AppResult};
use crate::services::branding::BrandingInput;

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
