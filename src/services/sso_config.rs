//! Settings → Single sign-on (SPEC §10): saving and removing a partner's identity
//! providers and choosing how the partner's own admins sign in. Partner full admins
//! only; every change is audited in the transaction that makes it, and a refused form
//! saves nothing.

use uuid::Uuid;

use crate::auth::oidc;
use crate::auth::saml;
use crate::domain::fields::{FieldErrors, add};
use crate::domain::roles::Role;
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::services::audit::audit_partner_change;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// The largest metadata document we read; real ones are a few kilobytes.
pub const METADATA_MAX: usize = 256 * 1024;
/// Every URL and text field's limit.
const TEXT_MAX: usize = 2048;

pub struct SamlInput {
    pub metadata: String,
    pub pass_email_in_request: bool,
    pub allow_idp_initiated: bool,
}

/// Saves the partner's SAML IdP from its metadata (entity id, SSO URL and one or two
/// signing certificates are read from it; metadata without a signing certificate is
/// refused, since samael would then accept unsigned responses). Binds the customers
/// created for this entity id that were waiting for it.
pub async fn save_saml(
    state: &AppState,
    scope: &PartnerScope,
    input: &SamlInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require(PartnerAction::ManageAdministration)?;
    let xml = input.metadata.trim();
    if xml.is_empty() {
        return Err(AppError::field(
            "metadata",
            "Paste the IdP's metadata XML, or choose its file.",
        ));
    }
    if xml.len() > METADATA_MAX {
        return Err(AppError::field(
            "metadata",
            format!(
                "This file is larger than any IdP metadata ({} KB at most). Choose the IdP's metadata XML.",
                METADATA_MAX / 1024
            ),
        ));
    }
    let meta = saml::read_metadata(xml).map_err(|problem| AppError::field("metadata", problem))?;
    let name = format!("saml-{}", scope.org.id);
    let mut tx = state.db.begin().await?;
    let now = state.clock.now();
    let id = store::sso::put_saml(
        &mut tx,
        scope.org_id(),
        &store::sso::SamlIdp {
            name: &name,
            entity_id: &meta.entity_id,
            sso_url: &meta.sso_url,
            certificates: &meta.certificates,
            metadata: xml,
            pass_email_in_request: input.pass_email_in_request,
            allow_idp_initiated: input.allow_idp_initiated,
        },
        now,
    )
    .await?;
    let bound =
        store::sso::bind_waiting_orgs(&mut tx, scope.org_id(), id, "saml", &meta.entity_id).await?;
    let detail = serde_json::json!({
        "idp_id": id,
        "entity_id": meta.entity_id,
        "sso_url": meta.sso_url,
        "certificates": meta.certificates.iter().map(|c| saml::fingerprint(c)).collect::<Vec<_>>(),
        "pass_email_in_request": input.pass_email_in_request,
        "allow_idp_initiated": input.allow_idp_initiated,
        "customers_bound": bound,
    });
    audit_partner_change(
        &mut tx,
        scope,
        scope.org.id,
        "sso.saml.save",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An OIDC IdP as typed into its form.
#[derive(Debug, Default, Clone)]
pub struct OidcInput {
    pub name: String,
    pub client_id: String,
    /// Empty on an edit keeps the stored secret.
    pub client_secret: String,
    pub scopes: String,
    pub discovery_endpoint: String,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_endpoint: String,
}

fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// An endpoint must be an absolute https URL; plain http only on this machine (an IdP
/// run beside the portal, as in tests).
pub fn url_problem(url: &str) -> Option<String> {
    if url.len() > TEXT_MAX {
        return Some(format!("Use at most {TEXT_MAX} characters."));
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Some("Enter a full URL such as https://idp.example.com/…".into());
    };
    let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match parsed.scheme() {
        "https" => None,
        "http" if local => None,
        "http" => Some("Use https (plain http only for an IdP on this machine).".into()),
        _ => Some("Enter a full URL such as https://idp.example.com/…".into()),
    }
}

/// The form's own rules (SPEC §10), with every problem named at its field.
fn check_oidc(input: &OidcInput, editing: bool) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let name = input.name.trim();
    if let Some(problem) = crate::services::templates::idp_name_problem(name) {
        add(&mut errors, "name", problem);
    }
    if input.client_id.trim().is_empty() {
        add(
            &mut errors,
            "client_id",
            "Enter the client id the IdP gave this portal.",
        );
    } else if input.client_id.trim().len() > TEXT_MAX {
        add(
            &mut errors,
            "client_id",
            format!("Use at most {TEXT_MAX} characters."),
        );
    }
    if input.client_secret.trim().is_empty() && !editing {
        add(
            &mut errors,
            "client_secret",
            "Enter the client secret the IdP gave this portal.",
        );
    } else if input.client_secret.len() > TEXT_MAX {
        add(
            &mut errors,
            "client_secret",
            format!("Use at most {TEXT_MAX} characters."),
        );
    }
    let scopes: Vec<&str> = input.scopes.split_whitespace().collect();
    if scopes.is_empty() {
        add(
            &mut errors,
            "scopes",
            "Enter the scopes, separated by spaces: at least openid email.",
        );
    } else {
        let missing: Vec<&str> = ["openid", "email"]
            .into_iter()
            .filter(|s| !scopes.contains(s))
            .collect();
        if !missing.is_empty() {
            add(
                &mut errors,
                "scopes",
                format!("The scopes must include {}.", missing.join(" and ")),
            );
        } else if input.scopes.len() > TEXT_MAX {
            add(
                &mut errors,
                "scopes",
                format!("Use at most {TEXT_MAX} characters."),
            );
        }
    }
    let discovery = opt(&input.discovery_endpoint);
    let fields = [
        ("discovery_endpoint", &input.discovery_endpoint),
        ("issuer", &input.issuer),
        ("authorization_endpoint", &input.authorization_endpoint),
        ("token_endpoint", &input.token_endpoint),
        ("userinfo_endpoint", &input.userinfo_endpoint),
        ("jwks_endpoint", &input.jwks_endpoint),
    ];
    for (field, value) in fields {
        if let Some(v) = opt(value)
            && let Some(problem) = url_problem(v)
        {
            add(&mut errors, field, problem);
        }
    }
    if discovery.is_none() {
        // Without discovery, what it would tell must be given: where to send the user,
        // where to trade the code, who signs the id token and with which keys.
        for (field, value, what) in [
            (
                "authorization_endpoint",
                &input.authorization_endpoint,
                "the authorization endpoint",
            ),
            (
                "token_endpoint",
                &input.token_endpoint,
                "the token endpoint",
            ),
            ("issuer", &input.issuer, "the issuer the id tokens name"),
            (
                "jwks_endpoint",
                &input.jwks_endpoint,
                "the JWKS endpoint (the keys that sign id tokens)",
            ),
        ] {
            if opt(value).is_none() {
                add(
                    &mut errors,
                    field,
                    format!("Enter {what}, or give a discovery endpoint instead."),
                );
            }
        }
    }
    errors
}

/// Whether a save creates an IdP under a new id (the form's, so the redirect URI it
/// showed stays right) or changes an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    Create,
    Change,
}

/// Creates or changes the partner's OIDC IdP `id`. A discovery endpoint is fetched
/// before anything is saved, so one that does not answer, or answers something other
/// than an OpenID configuration, is refused with what went wrong.
pub async fn save_oidc(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    save: Save,
    input: &OidcInput,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require(PartnerAction::ManageAdministration)?;
    let Some(key) = state.config.secrets_key.as_ref() else {
        return Err(AppError::field(
            "client_secret",
            "This server has no HUB_SECRETS_KEY, so it cannot keep a client secret. Ask whoever runs it to set one (see the README).",
        ));
    };
    let existing = match save {
        Save::Change => Some(
            store::sso::get(&state.db, scope.org_id(), id)
                .await?
                .filter(|i| i.kind == "oidc")
                .ok_or(AppError::NotFound)?,
        ),
        Save::Create => {
            if store::sso::by_id(&state.db, id).await?.is_some() {
                return Err(AppError::field(
                    "name",
                    "This form was saved already. Open Single sign-on again to add another identity provider.",
                ));
            }
            None
        }
    };
    let mut errors = check_oidc(input, existing.is_some());
    let name = input.name.trim();
    if errors.is_empty() && store::sso::name_taken(&state.db, name, Some(id)).await? {
        add(
            &mut errors,
            "name",
            format!("An identity provider named “{name}” already exists. Choose another name."),
        );
    }
    if errors.is_empty()
        && let Some(url) = opt(&input.discovery_endpoint)
        && let Err(problem) = oidc::check_discovery(url).await
    {
        add(&mut errors, "discovery_endpoint", problem);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let sealed = opt(&input.client_secret).map(|s| key.seal(s, id.as_bytes()));
    let scopes = input
        .scopes
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let v = store::sso::OidcIdp {
        name,
        client_id: input.client_id.trim(),
        client_secret_enc: sealed.as_deref(),
        scopes: &scopes,
        authorization_endpoint: opt(&input.authorization_endpoint),
        token_endpoint: opt(&input.token_endpoint),
        discovery_endpoint: opt(&input.discovery_endpoint),
        userinfo_endpoint: opt(&input.userinfo_endpoint),
        jwks_endpoint: opt(&input.jwks_endpoint),
        issuer: opt(&input.issuer),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let action = if existing.is_some() {
        if !store::sso::update_oidc(&mut tx, scope.org_id(), id, &v, now).await? {
            return Err(AppError::NotFound);
        }
        "sso.oidc.update"
    } else {
        store::sso::insert_oidc(&mut tx, scope.org_id(), id, &v, now).await?;
        "sso.oidc.create"
    };
    let bound = store::sso::bind_waiting_orgs(&mut tx, scope.org_id(), id, "oidc", name).await?;
    // Never the secret: only whether it changed.
    let detail = serde_json::json!({
        "idp_id": id,
        "name": name,
        "client_id": v.client_id,
        "secret_changed": sealed.is_some(),
        "scopes": scopes,
        "discovery_endpoint": v.discovery_endpoint,
        "issuer": v.issuer,
        "authorization_endpoint": v.authorization_endpoint,
        "token_endpoint": v.token_endpoint,
        "userinfo_endpoint": v.userinfo_endpoint,
        "jwks_endpoint": v.jwks_endpoint,
        "customers_bound": bound,
    });
    audit_partner_change(&mut tx, scope, scope.org.id, action, detail, ctx, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the partner's IdPs. Its customers keep their SSO mode (their users
/// cannot sign in until an IdP is set up again: never a silent switch to passwords).
pub async fn delete(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require(PartnerAction::ManageAdministration)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let name = store::sso::delete(&mut tx, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = serde_json::json!({ "idp_id": id, "name": name });
    audit_partner_change(
        &mut tx,
        scope,
        scope.org.id,
        "sso.idp.delete",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who may be the break-glass admin: the partner's full admins.
pub async fn break_glass_choices(
    state: &AppState,
    scope: &PartnerScope,
) -> AppResult<Vec<store::people::AdminRow>> {
    let admins = store::people::admins_of(&state.db, scope.org.id).await?;
    Ok(admins
        .into_iter()
        .filter(|a| a.roles.iter().any(|r| r == Role::PartnerFullAdmin.as_str()))
        .collect())
}

/// How the partner's own admins sign in: through one of its IdPs (`idp` `Some`), with
/// `break_glass`, one of its full admins, keeping the password for when the IdP is down;
/// or with passwords (`idp` `None`).
pub async fn set_admin_sign_in(
    state: &AppState,
    scope: &PartnerScope,
    idp: Option<Uuid>,
    break_glass: Option<Uuid>,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require(PartnerAction::ManageAdministration)?;
    let mut break_glass = break_glass;
    if let Some(idp) = idp {
        if store::sso::get(&state.db, scope.org_id(), idp)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "idp",
                "Choose one of this partner's identity providers.",
            ));
        }
        let Some(person) = break_glass else {
            return Err(AppError::field(
                "break_glass",
                "Choose the full admin who keeps a password for when the IdP is down.",
            ));
        };
        if !break_glass_choices(state, scope)
            .await?
            .iter()
            .any(|a| a.id == person)
        {
            return Err(AppError::field(
                "break_glass",
                "The break-glass admin must be one of this partner's full admins.",
            ));
        }
    } else {
        break_glass = None;
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::sso::set_admin_sign_in(&mut tx, scope.org_id(), idp, break_glass).await?;
    let detail = serde_json::json!({ "admin_idp_id": idp, "break_glass_person_id": break_glass });
    audit_partner_change(
        &mut tx,
        scope,
        scope.org.id,
        "sso.admin_sign_in",
        detail,
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> OidcInput {
        OidcInput {
            name: "Northwind-IdP".into(),
            client_id: "hub".into(),
            client_secret: "s".into(),
            scopes: "openid email profile".into(),
            discovery_endpoint: "https://idp.example/.well-known/openid-configuration".into(),
            ..OidcInput::default()
        }
    }

    fn fields(e: &FieldErrors) -> Vec<String> {
        e.iter()
            .map(|e| match &e.field {
                crate::domain::fields::Field::Other(name) => name.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn scopes_must_hold_openid_and_email() {
        assert!(check_oidc(&valid(), false).is_empty());
        let mut i = valid();
        i.scopes = "openid profile".into();
        let e = check_oidc(&i, false);
        assert_eq!(fields(&e), ["scopes"]);
        assert!(e.iter().next().unwrap().message.contains("email"));
    }

    #[test]
    fn without_discovery_the_endpoints_issuer_and_keys_are_required() {
        let mut i = valid();
        i.discovery_endpoint.clear();
        assert_eq!(
            fields(&check_oidc(&i, false)),
            [
                "authorization_endpoint",
                "token_endpoint",
                "issuer",
                "jwks_endpoint"
            ]
        );
    }

    #[test]
    fn the_secret_may_stay_empty_only_on_an_edit() {
        let mut i = valid();
        i.client_secret.clear();
        assert_eq!(fields(&check_oidc(&i, false)), ["client_secret"]);
        assert!(check_oidc(&i, true).is_empty());
    }

    #[test]
    fn endpoints_are_https_or_on_this_machine() {
        assert_eq!(url_problem("https://idp.example/auth"), None);
        assert_eq!(url_problem("http://127.0.0.1:4000/auth"), None);
        assert!(
            url_problem("http://idp.example/auth")
                .unwrap()
                .contains("https")
        );
        assert!(url_problem("idp.example/auth").is_some());
        assert!(url_problem("javascript:alert(1)").is_some());
    }
}
