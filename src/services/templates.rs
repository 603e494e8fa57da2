//! Onboarding templates (SPEC §3): the rules for creating, changing and deleting them,
//! once, for the template wizard and the API. Field keys of the errors are the form
//! fields' names.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::fields::TemplateField as T;
use crate::domain::fields::{add, trimmed};
use crate::domain::{countries, locales, pstn_vendors};
use crate::error::{AppError, AppResult, FieldErrors, on_constraint};
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// A template's settings after every rule passed.
pub use crate::store::templates::TemplateValues as Checked;

pub const NAME_MAX: usize = 100;
pub const BRAND_MAX: usize = 100;
pub const ENTITY_ID_MAX: usize = 1024;
/// SPEC §10.
pub const IDP_NAME_MAX: usize = 128;
/// Larger pasted metadata is refused rather than scanned.
pub const METADATA_MAX: usize = 512 * 1024;

pub const AUTH_MODES: [&str; 3] = ["webex", "saml", "oidc"];

/// A template as either door delivers it. Webex for Wholesale is always offered;
/// Webex for BroadWorks is optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TemplateInput {
    pub offer_broadworks: bool,
    pub name: String,
    /// The service-provider admin: a partner admin of the hub, by email.
    pub sp_admin_email: String,
    pub country: String,
    pub language: String,
    /// Ignored for a sub-partner, whose templates always carry the parent's.
    pub subscription_id: String,
    pub pstn_vendor: Option<String>,
    /// `webex`, `saml` or `oidc`.
    pub auth_mode: String,
    pub saml_entity_id: Option<String>,
    /// The IdP's metadata XML; when given, the entity ID is taken from it.
    pub saml_metadata: Option<String>,
    pub oidc_idp_name: Option<String>,
    pub email_brand_name: String,
    pub allow_admin_invite_emails: bool,
    /// Kept only when both offer types are selected.
    pub allow_webex_to_webex: bool,
}

fn duplicate_name(name: &str) -> String {
    format!(
        "You already have a template named “{name}”. Template names are unique (ignoring case)."
    )
}

/// Whether a hub's templates carry a fixed subscription: a sub-partner's always carry
/// its parent's (SPEC §1, §3).
pub fn subscription_is_fixed(scope: &PartnerScope) -> bool {
    scope.org.parent_org_id.is_some()
}

/// Letters, digits, `-`, `_`, `~`, `.`; at most 128 characters (SPEC §10). `None` when
/// valid, else the reason.
pub fn idp_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("Enter the OIDC IdP name.".into());
    }
    if name.chars().count() > IDP_NAME_MAX {
        return Some(format!(
            "The IdP name can be at most {IDP_NAME_MAX} characters."
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~' | '.'))
    {
        return Some(
            "The IdP name may contain only letters, digits, “-”, “_”, “~” and “.” (no spaces)."
                .into(),
        );
    }
    None
}

fn unescape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `entityID` attribute of the first `EntityDescriptor` element (any namespace
/// prefix) in SAML metadata XML; `None` when there is none.
pub fn entity_id_from_metadata(xml: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map(|e| &comment[e + 3..]).unwrap_or("");
            continue;
        }
        let name_end = after
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(after.len());
        let name = &after[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local != "EntityDescriptor" {
            rest = after;
            continue;
        }
        // Walk the start tag's attributes: name = "value" | 'value'.
        let mut attrs = &after[name_end..];
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() || attrs.starts_with('>') || attrs.starts_with('/') {
                return None;
            }
            let n_end = attrs
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .unwrap_or(attrs.len());
            let attr = &attrs[..n_end];
            attrs = attrs[n_end..].trim_start();
            let Some(v) = attrs.strip_prefix('=') else {
                continue;
            };
            let v = v.trim_start();
            let quote = v.chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            let body = &v[1..];
            let close = body.find(quote)?;
            if attr == "entityID" {
                let value = unescape_xml(&body[..close]).trim().to_string();
                return (!value.is_empty()).then_some(value);
            }
            attrs = &body[close + 1..];
        }
    }
    None
}

/// Checks a template against every rule; `editing` is the template being changed (its
/// own name does not count as taken). Errors name the template's fields.
pub async fn check(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    input: &TemplateInput,
    editing: Option<Uuid>,
) -> AppResult<Checked> {
    let mut errors = FieldErrors::new();
    let owner = scope.org_id();

    // Basics.
    let name = input.name.trim().to_string();
    if name.is_empty() {
        add(&mut errors, T::Name, "Enter a name for the template.");
    } else if name.chars().count() > NAME_MAX {
        add(
            &mut errors,
            T::Name,
            format!("The template name can be at most {NAME_MAX} characters."),
        );
    } else if store::templates::name_taken(&mut *conn, owner, &name, editing).await? {
        add(&mut errors, T::Name, duplicate_name(&name));
    }

    let sp_admin_email = input.sp_admin_email.trim().to_string();
    let mut sp_admin_person_id = None;
    if sp_admin_email.is_empty() {
        add(
            &mut errors,
            T::SpAdminEmail,
            "Choose the service-provider administrator.",
        );
    } else {
        sp_admin_person_id =
            store::templates::partner_admin_id(&mut *conn, owner, &sp_admin_email).await?;
        if sp_admin_person_id.is_none() {
            add(
                &mut errors,
                T::SpAdminEmail,
                format!("{sp_admin_email} is not a full administrator of this partner."),
            );
        }
    }

    let country = input.country.trim().to_ascii_uppercase();
    if country.is_empty() {
        add(&mut errors, T::Country, "Choose the country or region.");
    } else if !countries::is_valid(&country) {
        add(
            &mut errors,
            T::Country,
            format!("“{country}” is not an ISO 3166 two-letter country code."),
        );
    }

    let language = input.language.trim().to_string();
    if language.is_empty() {
        add(
            &mut errors,
            T::Language,
            "Choose the default email language.",
        );
    } else if !locales::is_supported(&language) {
        add(
            &mut errors,
            T::Language,
            format!(
                "“{language}” is not a supported language. Choose one of the listed locales, such as en_US."
            ),
        );
    }

    let subscriptions = store::orgs::subscription_ids(&mut *conn, owner).await?;
    let wanted = input.subscription_id.trim();
    let subscription_id = if subscription_is_fixed(scope) {
        // The parent's, whatever was sent.
        let fixed = subscriptions
            .iter()
            .find(|s| s.as_str() == wanted)
            .or_else(|| subscriptions.first())
            .cloned();
        if fixed.is_none() {
            add(
                &mut errors,
                T::SubscriptionId,
                "Your provider has no wholesale subscription yet.",
            );
        }
        fixed
    } else if wanted.is_empty() {
        add(
            &mut errors,
            T::SubscriptionId,
            "Choose the wholesale subscription.",
        );
        None
    } else if subscriptions.iter().any(|s| s == wanted) {
        Some(wanted.to_string())
    } else {
        add(
            &mut errors,
            T::SubscriptionId,
            format!("“{wanted}” is not one of your wholesale subscriptions."),
        );
        None
    };

    // Wholesale calling.
    let pstn_vendor = trimmed(&input.pstn_vendor);
    if let Some(v) = &pstn_vendor
        && !pstn_vendors::is_known(v)
    {
        add(
            &mut errors,
            T::PstnVendor,
            format!(
                "“{v}” is not a cloud-connected PSTN vendor we know. Choose one from the list or none."
            ),
        );
    }

    // Authentication.
    let auth_mode = input.auth_mode.trim().to_string();
    let mut saml_entity_id = None;
    let mut oidc_idp_name = None;
    match auth_mode.as_str() {
        "webex" => {}
        "saml" => {
            let metadata = trimmed(&input.saml_metadata);
            let (entity, field) = match metadata {
                Some(xml) if xml.len() > METADATA_MAX => {
                    add(
                        &mut errors,
                        T::SamlMetadata,
                        "This metadata is too large. Paste the IdP's metadata XML or enter its entity ID.",
                    );
                    (None, T::SamlMetadata)
                }
                Some(xml) => match entity_id_from_metadata(&xml) {
                    Some(e) => (Some(e), T::SamlMetadata),
                    None => {
                        add(
                            &mut errors,
                            T::SamlMetadata,
                            "No entityID was found in this metadata. Paste the IdP's EntityDescriptor XML, or enter the entity ID.",
                        );
                        (None, T::SamlMetadata)
                    }
                },
                None => {
                    let e = trimmed(&input.saml_entity_id);
                    if e.is_none() {
                        add(
                            &mut errors,
                            T::SamlEntityId,
                            "Enter the IdP entity ID, or paste the IdP's metadata XML.",
                        );
                    }
                    (e, T::SamlEntityId)
                }
            };
            if let Some(e) = &entity
                && e.chars().count() > ENTITY_ID_MAX
            {
                add(
                    &mut errors,
                    field,
                    format!("The entity ID can be at most {ENTITY_ID_MAX} characters."),
                );
            }
            saml_entity_id = entity;
        }
        "oidc" => {
            let idp = input.oidc_idp_name.as_deref().unwrap_or("").trim();
            match idp_name_problem(idp) {
                Some(problem) => add(&mut errors, T::OidcIdpName, problem),
                None => oidc_idp_name = Some(idp.to_string()),
            }
        }
        _ => add(
            &mut errors,
            T::AuthMode,
            "Choose how users of the customers sign in.",
        ),
    }

    // Email and calling.
    let email_brand_name = input.email_brand_name.trim().to_string();
    if email_brand_name.is_empty() {
        add(
            &mut errors,
            T::EmailBrandName,
            "Enter the brand name used in onboarding emails.",
        );
    } else if email_brand_name.chars().count() > BRAND_MAX {
        add(
            &mut errors,
            T::EmailBrandName,
            format!("The brand name can be at most {BRAND_MAX} characters."),
        );
    }

    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (Some(sp_admin_person_id), Some(subscription_id)) = (sp_admin_person_id, subscription_id)
    else {
        return Err(AppError::field(
            "form",
            "The template could not be checked.",
        ));
    };
    Ok(Checked {
        name,
        offer_broadworks: input.offer_broadworks,
        sp_admin_person_id,
        sp_admin_email,
        country,
        language,
        subscription_id,
        pstn_vendor,
        auth_mode,
        saml_entity_id,
        oidc_idp_name,
        email_brand_name,
        allow_admin_invite_emails: input.allow_admin_invite_emails,
        // Only a template offering both Wholesale and BroadWorks can allow it.
        allow_webex_to_webex: input.offer_broadworks && input.allow_webex_to_webex,
    })
}

/// An opaque, unique provisioning ID.
fn new_provisioning_id() -> String {
    format!("prov-{}", Uuid::new_v4().simple())
}

async fn audit(
    conn: &mut PgConnection,
    state: &AppState,
    scope: &PartnerScope,
    action: &str,
    detail: serde_json::Value,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    super::audit_partner_change(
        conn,
        scope,
        scope.org.id,
        action,
        detail,
        ctx,
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Creates a template in the hub of `scope` (a sub-partner's while cross-launched) and
/// returns its id.
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    input: &TemplateInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require(PartnerAction::ManageTemplates)?;
    let mut tx = state.db.begin().await?;
    let v = check(&mut tx, scope, input, None).await?;
    let id = Uuid::new_v4();
    let provisioning_id = new_provisioning_id();
    store::templates::insert(
        &mut tx,
        scope.org_id(),
        id,
        &provisioning_id,
        &v,
        state.clock.now(),
    )
    .await
    .map_err(on_constraint(
        store::templates::NAME_KEY,
        T::Name,
        &duplicate_name(&v.name),
    ))?;
    audit(
        &mut tx,
        state,
        scope,
        "template.create",
        serde_json::json!({
            "template_id": id,
            "name": v.name,
            "provisioning_id": provisioning_id,
            "auth_mode": v.auth_mode,
        }),
        ctx,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a template. Orgs already onboarded with it keep their own settings, the auth
/// mode included (SPEC §3, §10): nothing here touches them.
pub async fn update(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    input: &TemplateInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    // 404 before 403: another hub's template is not told apart from a missing one.
    let (old_name, old_auth_mode) = store::templates::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageTemplates)?;
    let v = check(&mut tx, scope, input, Some(id)).await?;
    store::templates::update(&mut tx, scope.org_id(), id, &v, state.clock.now())
        .await
        .map_err(on_constraint(
            store::templates::NAME_KEY,
            T::Name,
            &duplicate_name(&v.name),
        ))?;
    audit(
        &mut tx,
        state,
        scope,
        "template.update",
        serde_json::json!({
            "template_id": id,
            "name": { "from": old_name, "to": v.name },
            "auth_mode": { "from": old_auth_mode, "to": v.auth_mode },
        }),
        ctx,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn in_use(n: i64) -> AppError {
    let customers = if n == 1 {
        "1 customer was".to_string()
    } else {
        format!("{n} customers were")
    };
    AppError::Conflict(format!(
        "{customers} onboarded with this template, so it cannot be deleted while they use it. \
         Change the template instead: customers already onboarded keep their settings."
    ))
}

/// Deletes a template; refused (409) while customers onboarded with it exist.
pub async fn delete(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let (name, _) = store::templates::lock(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageTemplates)?;
    // The row lock waits for a provisioning that references the template to finish, so
    // the count sees it.
    let n = store::templates::customers_using(&mut tx, id).await?;
    if n > 0 {
        return Err(in_use(n));
    }
    store::templates::delete(&mut tx, scope.org_id(), id)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.constraint() == Some(store::templates::ORGS_FK) => {
                in_use(1)
            }
            _ => AppError::Sqlx(e),
        })?;
    audit(
        &mut tx,
        state,
        scope,
        "template.delete",
        serde_json::json!({ "template_id": id, "name": name }),
        ctx,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entity_id_is_read_from_the_entity_descriptor() {
        let xml = r#"<?xml version="1.0"?>
<!-- <EntityDescriptor entityID="not-this"> -->
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    validUntil="2030-01-01T00:00:00Z" entityID = 'https://idp.example/saml?a=1&amp;b=2'>
  <md:IDPSSODescriptor/>
</md:EntityDescriptor>"#;
        assert_eq!(
            entity_id_from_metadata(xml).as_deref(),
            Some("https://idp.example/saml?a=1&b=2")
        );
        assert_eq!(
            entity_id_from_metadata(r#"<EntityDescriptor entityID="urn:x"/>"#).as_deref(),
            Some("urn:x")
        );
        // EntitiesDescriptor is not an EntityDescriptor; a value mentioning the name
        // is not the attribute.
        assert_eq!(
            entity_id_from_metadata(
                r#"<EntitiesDescriptor entityID="a"><EntityDescriptor ID="entityID='b'" entityID="c"/></EntitiesDescriptor>"#
            )
            .as_deref(),
            Some("c")
        );
        assert_eq!(entity_id_from_metadata("<EntityDescriptor ID=\"x\">"), None);
        assert_eq!(entity_id_from_metadata("not xml at all"), None);
        assert_eq!(
            entity_id_from_metadata("<EntityDescriptor entityID=\"\">"),
            None
        );
    }

    #[test]
    fn idp_names_follow_the_oidc_rules() {
        assert_eq!(idp_name_problem("Northwind-IdP_1.prod~x"), None);
        assert!(idp_name_problem("my idp").unwrap().contains("only letters"));
        assert!(idp_name_problem("élan").is_some());
        assert!(idp_name_problem("").is_some());
        assert_eq!(idp_name_problem(&"a".repeat(128)), None);
        assert!(
            idp_name_problem(&"a".repeat(129))
                .unwrap()
                .contains("at most 128")
        );
    }
}
