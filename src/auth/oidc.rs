//! The OpenID Connect relying party (openidconnect 4.1): discovery or explicit
//! endpoints, authorization code with PKCE S256, and id-token checks (issuer, audience,
//! signature by an asymmetric key, expiry, nonce, `iat` within a window). An IdP's
//! provider metadata and keys are cached in this process; a token signed by a key id we
//! do not know makes us fetch the keys again once (the caller rate-limits that).
//!
//! State, nonce and verifier are made here from a CSPRNG and kept server-side by the
//! caller (`store::sso`); this module never sees a session.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration as StdDuration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType, CoreSubjectIdentifierType,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthUrl, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalProviderMetadata, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    JsonWebKeySetUrl, LoginHint, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, ResponseTypes, Scope, SignatureVerificationError,
    TokenResponse, TokenUrl, UserInfoUrl, reqwest,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::store::sso::IdpRow;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long provider metadata and keys are trusted before they are fetched again.
const CACHE_FOR: StdDuration = StdDuration::from_secs(3600);
/// An id token issued further from now than this is refused (`iat`), either way.
const IAT_WINDOW_SECS: i64 = 600;
/// Clock difference allowed on expiry and on an `iat` in the future.
const SKEW_SECS: i64 = 60;
/// Signatures we accept: asymmetric only, so neither `none` nor an HMAC keyed with a
/// public key (or our client secret) can pass.
const ALGS: [CoreJwsSigningAlgorithm; 6] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// An IdP's metadata, when it was fetched, and which saved version of the IdP it was for.
type Cached = (CoreProviderMetadata, Instant, OffsetDateTime);

static CACHE: LazyLock<Mutex<HashMap<Uuid, Cached>>> = LazyLock::new(Default::default);

/// No redirects (an admin-typed URL must not bounce us elsewhere), a short timeout.
fn http() -> Result<reqwest::Client, String> {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(StdDuration::from_secs(10))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// The issuer a discovery endpoint belongs to: the URL without its well-known suffix.
fn issuer_of_discovery(url: &str) -> String {
    url.trim_end_matches('/')
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string()
}

fn discovery_problem<E: std::error::Error>(e: openidconnect::DiscoveryError<E>) -> String {
    use openidconnect::DiscoveryError as D;
    match e {
        D::Request(e) => format!("it did not answer ({e})"),
        // A page answered (right status, wrong content type: HTML, most often).
        D::Response(status, _, _) if status.is_success() => {
            "it answered something that is not an OpenID configuration (is it a web page?)".into()
        }
        D::Response(status, _, _) => {
            format!("it answered HTTP {status} instead of an OpenID configuration")
        }
        D::Parse(_) => {
            "it answered something that is not an OpenID configuration (is it a web page?)".into()
        }
        D::Validation(why) => format!("its configuration does not hold together: {why}"),
        D::UrlParse(e) => format!("its URL is not valid ({e})"),
        other => format!("it could not be read ({other})"),
    }
}

async fn fetch_metadata(
    idp: &IdpRow,
    http: &reqwest::Client,
) -> Result<CoreProviderMetadata, String> {
    if let Some(discovery) = idp.oidc_discovery_endpoint.as_deref() {
        let issuer = IssuerUrl::new(issuer_of_discovery(discovery)).map_err(|e| e.to_string())?;
        return CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| format!("the discovery endpoint failed: {}", discovery_problem(e)));
    }
    let need =
        |v: &Option<String>, what: &str| v.clone().ok_or_else(|| format!("the IdP has no {what}"));
    let jwks_url = JsonWebKeySetUrl::new(need(&idp.oidc_jwks_endpoint, "JWKS endpoint")?)
        .map_err(|e| e.to_string())?;
    let jwks = CoreJsonWebKeySet::fetch_async(&jwks_url, http)
        .await
        .map_err(|e| format!("the JWKS endpoint failed: {}", discovery_problem(e)))?;
    let userinfo = idp
        .oidc_userinfo_endpoint
        .clone()
        .map(UserInfoUrl::new)
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(CoreProviderMetadata::new(
        IssuerUrl::new(need(&idp.oidc_issuer, "issuer")?).map_err(|e| e.to_string())?,
        AuthUrl::new(need(
            &idp.oidc_authorization_endpoint,
            "authorization endpoint",
        )?)
        .map_err(|e| e.to_string())?,
        jwks_url,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        ALGS.to_vec(),
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(
        TokenUrl::new(need(&idp.oidc_token_endpoint, "token endpoint")?)
            .map_err(|e| e.to_string())?,
    ))
    .set_userinfo_endpoint(userinfo)
    .set_jwks(jwks))
}

/// The IdP's metadata, from the cache unless it is stale, for an older save, or
/// `fresh` is asked for.
async fn metadata(
    idp: &IdpRow,
    http: &reqwest::Client,
    fresh: bool,
) -> Result<CoreProviderMetadata, String> {
    if !fresh
        && let Some((md, at, version)) = CACHE.lock().expect("cache lock").get(&idp.id)
        && at.elapsed() < CACHE_FOR
        && *version == idp.updated_at
    {
        return Ok(md.clone());
    }
    let md = fetch_metadata(idp, http).await?;
    let mut cache = CACHE.lock().expect("cache lock");
    cache.insert(idp.id, (md.clone(), Instant::now(), idp.updated_at));
    Ok(md)
}

/// Checks a discovery endpoint before it is saved: it must answer an OpenID
/// configuration with its keys. Answers the problem in plain words.
pub async fn check_discovery(url: &str) -> Result<(), String> {
    let http = http()?;
    let issuer =
        IssuerUrl::new(issuer_of_discovery(url)).map_err(|_| "This is not a URL.".to_string())?;
    CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "The discovery endpoint cannot be used: {}.",
                discovery_problem(e)
            )
        })
}

fn client(
    md: CoreProviderMetadata,
    idp: &IdpRow,
    redirect_uri: &str,
    secret: Option<&str>,
) -> Result<Client, String> {
    let client = CoreClient::from_provider_metadata(
        md,
        ClientId::new(idp.oidc_client_id.clone().unwrap_or_default()),
        secret.map(|s| ClientSecret::new(s.to_string())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(|e| e.to_string())?);
    Ok(client)
}

/// A sign-in's start: where to send the browser and what to keep server-side.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub async fn start(
    idp: &IdpRow,
    redirect_uri: &str,
    login_hint: Option<&str>,
) -> Result<Started, String> {
    let http = http()?;
    let md = metadata(idp, &http, false).await?;
    let client = client(md, idp, redirect_uri, None)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in idp
        .oidc_scopes
        .as_deref()
        .unwrap_or("openid email")
        .split_whitespace()
        .filter(|s| *s != "openid")
    {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    if let Some(hint) = login_hint {
        request = request.set_login_hint(LoginHint::new(hint.to_string()));
    }
    let (url, state, nonce) = request.url();
    Ok(Started {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// What the callback brings and the transaction kept.
pub struct Exchange {
    pub redirect_uri: String,
    pub client_secret: String,
    pub code: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the IdP vouched for.
pub struct OidcClaims {
    pub subject: String,
    pub email: Option<String>,
    /// Every claim of the id token (and userinfo's email), for a test's report.
    pub claims: serde_json::Value,
}

fn to_chrono(t: OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default()
}

fn verifier(
    md: &CoreProviderMetadata,
    idp: &IdpRow,
    now: OffsetDateTime,
) -> CoreIdTokenVerifier<'static> {
    let now = to_chrono(now);
    CoreIdTokenVerifier::new_public_client(
        ClientId::new(idp.oidc_client_id.clone().unwrap_or_default()),
        md.issuer().clone(),
        md.jwks().clone(),
    )
    .set_allowed_algs(ALGS)
    // Expiry with a little skew: the token counts as checked a minute early.
    .set_time_fn(move || now - chrono::Duration::seconds(SKEW_SECS))
    .set_issue_time_verifier_fn(move |iat| {
        if iat > now + chrono::Duration::seconds(SKEW_SECS) {
            Err(format!(
                "the id token claims to be issued in the future ({iat})"
            ))
        } else if now - iat > chrono::Duration::seconds(IAT_WINDOW_SECS) {
            Err(format!("the id token was issued too long ago ({iat})"))
        } else {
            Ok(())
        }
    })
}

fn claims_problem(e: &ClaimsVerificationError) -> String {
    match e {
        ClaimsVerificationError::Expired(why) => {
            format!("the id token has expired or is out of its time window: {why}")
        }
        ClaimsVerificationError::InvalidAudience(_) => {
            "the id token is meant for another client (audience)".into()
        }
        ClaimsVerificationError::InvalidIssuer(_) => {
            "the id token comes from another issuer".into()
        }
        ClaimsVerificationError::InvalidNonce(_) => {
            "the id token does not answer our sign-in request (nonce)".into()
        }
        ClaimsVerificationError::SignatureVerification(s) => match s {
            SignatureVerificationError::NoSignature => {
                "the id token is not signed (alg none)".into()
            }
            SignatureVerificationError::DisallowedAlg(alg) => {
                format!("the id token is signed with a refused algorithm ({alg})")
            }
            SignatureVerificationError::NoMatchingKey => {
                "the id token is signed by a key the IdP does not publish".into()
            }
            other => format!("the id token's signature does not verify ({other})"),
        },
        other => format!("the id token was refused ({other})"),
    }
}

/// Trades the code for tokens (with our PKCE verifier) and checks the id token; an
/// unknown key id fetches the keys again once when `may_refetch` agrees.
pub async fn finish<F, Fut>(
    idp: &IdpRow,
    ex: &Exchange,
    now: OffsetDateTime,
    may_refetch: F,
) -> Result<OidcClaims, String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let http = http()?;
    let md = metadata(idp, &http, false).await?;
    let client = client(md.clone(), idp, &ex.redirect_uri, Some(&ex.client_secret))?;
    let token = client
        .exchange_code(AuthorizationCode::new(ex.code.clone()))
        .map_err(|_| "the IdP has no token endpoint".to_string())?
        .set_pkce_verifier(PkceCodeVerifier::new(ex.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                format!("the IdP's token endpoint refused the code ({})", r.error())
            }
            RequestTokenError::Request(_) => "the IdP's token endpoint did not answer".into(),
            RequestTokenError::Parse(_, _) => {
                "the IdP's token endpoint answered something unreadable".into()
            }
            other => format!("the IdP's token endpoint failed ({other})"),
        })?;
    let id_token = token.id_token().ok_or("the IdP sent no id token")?.clone();
    let nonce = Nonce::new(ex.nonce.clone());
    let checked = id_token.claims(&verifier(&md, idp, now), &nonce).cloned();
    let claims = match checked {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) if may_refetch().await => {
            let fresh = metadata(idp, &http, true).await?;
            id_token
                .claims(&verifier(&fresh, idp, now), &nonce)
                .cloned()
                .map_err(|e| claims_problem(&e))?
        }
        other => other.map_err(|e| claims_problem(&e))?,
    };
    if claims.email_verified() == Some(false) {
        return Err("the IdP says this email address is not verified".into());
    }
    let mut email = claims.email().map(|e| e.as_str().to_string());
    let mut report = serde_json::to_value(&claims).unwrap_or_default();
    if email.is_none()
        && let Ok(request) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
    {
        let info: Result<CoreUserInfoClaims, _> = request.request_async(&http).await;
        if let Ok(info) = info
            && info.email_verified() != Some(false)
        {
            email = info.email().map(|e| e.as_str().to_string());
            report["userinfo_email"] = serde_json::json!(email);
        }
    }
    Ok(OidcClaims {
        subject: claims.subject().as_str().to_string(),
        email,
        claims: report,
    })
}
