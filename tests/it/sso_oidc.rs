//! OpenID Connect sign-in: against a certified provider (oidc-provider, in tests/idp) for
//! the real flow, state handling and partner admins; against a forging provider for every
//! bad id token (nonce, audience, issuer, `alg: none`, HS256 keyed with the public key,
//! expiry, `iat`, an unknown key id). Each refusal ends with no session and an audit row.

use base64::Engine;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;

use crate::common::idp::{IdpProcess, start_oidc, start_oidc_forge};
use crate::common::*;

const CLIENT_ID: &str = "hub";
const CLIENT_SECRET: &str = "hub-secret";

struct Oidc {
    app: TestApp,
    idp: IdpProcess,
    idp_id: Uuid,
    admin: Client,
}

fn callback_of(app: &TestApp, id: Uuid) -> String {
    app.url(&format!("/login/sso/oidc/{id}/callback"))
}

/// Saves an OIDC IdP at `issuer` (by discovery) under a new id, as a partner admin does
/// on Settings → Single sign-on; answers the id.
async fn save_idp(app: &TestApp, admin: &Client, id: Uuid, name: &str, issuer: &str) {
    let discovery = format!("{issuer}/.well-known/openid-configuration");
    app.save_oidc_idp(
        admin,
        id,
        &[
            ("name", name),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scopes", "openid email profile"),
            ("discovery_endpoint", &discovery),
        ],
    )
    .await;
}

/// The real provider, registered with this app's redirect URI; Acme Dental bound to it.
async fn set_up() -> Oidc {
    let app = spawn_app().await;
    let idp_id = Uuid::new_v4();
    let clients = json!([{ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                           "redirect_uris": [callback_of(&app, idp_id)] }]);
    let idp = start_oidc(clients, &[]).await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    save_idp(&app, &admin, idp_id, "Northwind-OIDC", &idp.base).await;
    app.bind_org_to_idp(app.org_id("Acme Dental").await, idp_id)
        .await;
    Oidc {
        app,
        idp,
        idp_id,
        admin,
    }
}

/// The email step: answers the IdP's authorization URL.
async fn begin(app: &TestApp, client: &Client, email: &str) -> reqwest::Url {
    let r = app
        .post_form_with(client, "/login", &[("email", email), ("next", "")])
        .await;
    reqwest::Url::parse(&idp_address(r).await).expect("an absolute IdP URL")
}

fn param(url: &reqwest::Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// Signs in at the real provider's login form as `login`; answers the URL it sends the
/// browser back to (our callback, with code and state).
async fn through_idp(idp: &IdpProcess, auth: &reqwest::Url, login: &str) -> String {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = auth.to_string();
    for _ in 0..10 {
        let r = browser.get(&url).send().await.unwrap();
        if r.status().is_redirection() {
            let next = location(&r);
            if !next.starts_with("http") {
                url = format!("{}{next}", idp.base);
                continue;
            }
            if !next.starts_with(&idp.base) {
                return next;
            }
            url = next;
            continue;
        }
        let html = r.text().await.unwrap();
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .expect("the IdP's login form")
            .replace("&amp;", "&");
        let mut form = vec![
            ("login".to_string(), login.to_string()),
            ("password".into(), "x".into()),
        ];
        for input in html.split("<input").skip(1) {
            if input.contains("type=\"hidden\"") {
                let attr = |n: &str| {
                    input
                        .split(&format!("{n}=\""))
                        .nth(1)
                        .and_then(|v| v.split('"').next())
                        .map(str::to_string)
                };
                if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                    form.push((n, v));
                }
            }
        }
        let action = if action.starts_with("http") {
            action
        } else {
            format!("{}{action}", idp.base)
        };
        let r = browser.post(&action).form(&form).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "the IdP's login answered {}",
            r.status()
        );
        let next = location(&r);
        url = if next.starts_with("http") {
            next
        } else {
            format!("{}{next}", idp.base)
        };
    }
    panic!("the IdP never sent the browser back");
}

#[tokio::test]
async fn a_customer_user_signs_in_through_the_oidc_idp_with_pkce() {
    let s = set_up().await;
    let client = new_client();
    let auth = begin(&s.app, &client, CUSTOMER_ADMIN).await;
    assert!(auth.as_str().starts_with(&s.idp.base));
    assert_eq!(param(&auth, "code_challenge_method"), "S256");
    assert_eq!(param(&auth, "login_hint"), CUSTOMER_ADMIN);
    assert!(param(&auth, "state").len() >= 22 && param(&auth, "nonce").len() >= 22);
    let back = through_idp(&s.idp, &auth, CUSTOMER_ADMIN).await;
    assert!(back.starts_with(&callback_of(&s.app, s.idp_id)), "{back}");
    let r = client.get(&back).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let acme = s.app.org_id("Acme Dental").await;
    assert_eq!(location(&r), format!("/control/{acme}"));
    assert_eq!(
        s.app
            .get_with(&client, &format!("/control/{acme}/users"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(s.app.sso_audits("success").await, 1);
    // The answer is single use: the same callback again signs nobody in.
    let sessions = s.app.signed_in_sessions().await;
    let again = new_client().get(&back).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("no sign-in is waiting")
    );
    assert_eq!(s.app.signed_in_sessions().await, sessions);
    assert_eq!(s.app.sso_audits("failure").await, 1);
}

#[tokio::test]
async fn an_unknown_state_signs_nobody_in_and_is_audited() {
    let s = set_up().await;
    let sessions = s.app.signed_in_sessions().await;
    let r = new_client()
        .get(format!(
            "{}?code=abc&state=forged-state",
            callback_of(&s.app, s.idp_id)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let page = r.text().await.unwrap();
    assert!(page.contains("request id"), "{page}");
    assert_eq!(s.app.signed_in_sessions().await, sessions);
    assert_eq!(s.app.sso_audits("failure").await, 1);
    // A state of another IdP's transaction does not finish this one either.
    let client = new_client();
    let auth = begin(&s.app, &client, CUSTOMER_ADMIN).await;
    let other = Uuid::new_v4();
    let r = client
        .get(format!(
            "{}?code=abc&state={}",
            callback_of(&s.app, other),
            param(&auth, "state")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn partner_admins_sign_in_through_the_partners_idp_and_the_break_glass_admin_keeps_a_password()
 {
    let s = set_up().await;
    let lead = s.app.person_id(OPERATIONS_LEAD).await;
    let (idp, lead) = (s.idp_id.to_string(), lead.to_string());
    let r = s
        .app
        .post_form_with(
            &s.admin,
            "/partner/settings/sso/admins",
            &[("idp", &idp), ("break_glass", &lead)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.app.audit_count("sso.admin_sign_in", "success").await, 1);
    // The partner admin is sent to the IdP and lands in Partner Hub.
    let client = new_client();
    let auth = begin(&s.app, &client, PARTNER_ADMIN).await;
    let back = through_idp(&s.idp, &auth, PARTNER_ADMIN).await;
    let r = client.get(&back).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/partner");
    // Their password no longer signs them in.
    let pw = s
        .app
        .login_with(&new_client(), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(pw.status(), StatusCode::UNAUTHORIZED);
    // The break-glass admin gets the password step and signs in with it.
    let r = s
        .app
        .post_form_with(
            &new_client(),
            "/login",
            &[("email", OPERATIONS_LEAD), ("next", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("password"));
    let pw = s
        .app
        .login_with(&new_client(), OPERATIONS_LEAD, DEMO_PASSWORD)
        .await;
    assert_eq!(pw.status(), StatusCode::SEE_OTHER);
    // Choosing an IdP without a break-glass full admin is refused.
    let r = s
        .app
        .post_form_with(
            &s.admin,
            "/partner/settings/sso/admins",
            &[("idp", &idp), ("break_glass", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_client_secret_is_stored_sealed_and_never_shown() {
    let s = set_up().await;
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT oidc_client_secret_enc FROM identity_providers WHERE id = $1")
            .bind(s.idp_id)
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    assert!(
        !sealed
            .windows(CLIENT_SECRET.len())
            .any(|w| w == CLIENT_SECRET.as_bytes())
    );
    let edit = s
        .app
        .page(
            &s.admin,
            &format!("/partner/settings/sso/oidc/{}", s.idp_id),
        )
        .await;
    assert!(!edit.contains(CLIENT_SECRET));
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT detail::text FROM audit_log WHERE action LIKE 'sso.%'")
            .fetch_all(&s.app.db)
            .await
            .unwrap();
    assert!(!audit.is_empty() && audit.iter().all(|d| !d.contains(CLIENT_SECRET)));
}

#[tokio::test]
async fn a_discovery_endpoint_that_answers_html_or_nothing_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // A web server that answers every path with a sign-in page (a portal, not an IdP).
    let html = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let html_port = html.local_addr().unwrap().port();
    tokio::spawn(async move {
        let page = axum::Router::new().fallback(|| async {
            axum::response::Html("<html><body><form>Sign in</form></body></html>")
        });
        axum::serve(html, page).await.unwrap();
    });
    for (discovery, says) in [
        (
            format!("http://127.0.0.1:{html_port}/.well-known/openid-configuration"),
            "not an OpenID configuration",
        ),
        (app.url("/login"), "HTTP 404"),
        (
            format!("http://127.0.0.1:{closed}/.well-known/openid-configuration"),
            "did not answer",
        ),
    ] {
        let r = app
            .post_form_with(
                &admin,
                "/partner/settings/sso/oidc",
                &[
                    ("id", &Uuid::new_v4().to_string()),
                    ("name", "Broken-IdP"),
                    ("client_id", "hub"),
                    ("client_secret", "s"),
                    ("scopes", "openid email"),
                    ("discovery_endpoint", &discovery),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        let error = page.split("class=\"field-error\"").nth(1).unwrap_or("?");
        assert!(
            page.contains(says),
            "expected “{says}”: {}",
            &error[..error.len().min(300)]
        );
        assert!(
            page.contains("value=\"Broken-IdP\""),
            "what was typed is kept"
        );
    }
    // The spec's own rules, each at its field.
    let r = app
        .post_form_with(
            &admin,
            "/partner/settings/sso/oidc",
            &[
                ("id", &Uuid::new_v4().to_string()),
                ("name", "bad name!"),
                ("scopes", "openid"),
            ],
        )
        .await;
    let page = r.text().await.unwrap();
    for says in [
        "only letters",
        "client id",
        "client secret",
        "email",
        "authorization endpoint",
    ] {
        assert!(page.contains(says), "expected “{says}”");
    }
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM identity_providers")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(saved, 0);
}

#[tokio::test]
async fn a_test_sign_in_shows_the_claims_and_makes_no_session() {
    let s = set_up().await;
    let r = s
        .app
        .post_form_with(
            &s.admin,
            &format!("/partner/settings/sso/{}/test", s.idp_id),
            &[],
        )
        .await;
    let auth = reqwest::Url::parse(&idp_address(r).await).unwrap();
    let sessions = s.app.signed_in_sessions().await;
    let back = through_idp(&s.idp, &auth, PARTNER_ADMIN).await;
    let r = s.admin.get(&back).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.app.signed_in_sessions().await, sessions);
    let page = s.app.page(&s.admin, &location(&r)).await;
    assert!(page.contains("the response was verified"), "{page}");
    assert!(page.contains("email_verified"), "the claims are shown");
}

// ── Forged id tokens ──────────────────────────────────────────────────────────────

struct Forge {
    app: TestApp,
    idp: IdpProcess,
    idp_id: Uuid,
}

async fn forge_set_up() -> Forge {
    let app = spawn_app().await;
    let idp = start_oidc_forge().await;
    let idp_id = Uuid::new_v4();
    let admin = app.client_for(PARTNER_ADMIN).await;
    save_idp(&app, &admin, idp_id, "Forged-IdP", &idp.base).await;
    app.bind_org_to_idp(app.org_id("Acme Dental").await, idp_id)
        .await;
    Forge { app, idp, idp_id }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Starts a sign-in; answers (state, nonce, code_challenge) from the authorization URL.
async fn forge_begin(f: &Forge, client: &Client) -> (String, String, String) {
    let auth = begin(&f.app, client, CUSTOMER_ADMIN).await;
    (
        param(&auth, "state"),
        param(&auth, "nonce"),
        param(&auth, "code_challenge"),
    )
}

fn good_claims(f: &Forge, nonce: &str) -> Value {
    json!({
        "iss": f.idp.base, "aud": CLIENT_ID, "sub": "user-1", "email": CUSTOMER_ADMIN,
        "email_verified": true, "nonce": nonce, "iat": now(), "exp": now() + 300,
    })
}

async fn callback(f: &Forge, client: &Client, state: &str) -> reqwest::Response {
    client
        .get(format!(
            "{}?code=forged-code&state={state}",
            callback_of(&f.app, f.idp_id)
        ))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_well_signed_token_signs_in_with_the_pkce_verifier_sent() {
    let f = forge_set_up().await;
    let client = new_client();
    let (state, nonce, challenge) = forge_begin(&f, &client).await;
    f.idp
        .next_token(json!({ "claims": good_claims(&f, &nonce), "alg": "RS256" }))
        .await;
    let r = callback(&f, &client, &state).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sent = f.idp.last_token_request().await;
    let verifier = sent["form"]["code_verifier"]
        .as_str()
        .expect("a PKCE verifier");
    let derived = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        derived, challenge,
        "S256 of the verifier is the challenge sent"
    );
    assert_eq!(sent["form"]["code"], "forged-code");
}

#[tokio::test]
async fn every_forged_id_token_ends_with_no_session_and_an_audit_row() {
    let f = forge_set_up().await;
    type Change = fn(&mut Value, &mut Value);
    let cases: Vec<(&str, Change, &str)> = vec![
        ("bad nonce", |c, _| c["nonce"] = json!("not-ours"), "nonce"),
        (
            "wrong audience",
            |c, _| c["aud"] = json!("someone-else"),
            "audience",
        ),
        (
            "wrong issuer",
            |c, _| c["iss"] = json!("http://evil.example"),
            "issuer",
        ),
        ("alg none", |_, t| t["alg"] = json!("none"), "not signed"),
        (
            "HS256 keyed with the public key",
            |_, t| t["alg"] = json!("HS256-with-public-key"),
            "refused algorithm",
        ),
        (
            "HS256 keyed with the client secret",
            |_, t| {
                t["alg"] = json!("HS256-with-secret");
                t["secret"] = json!(CLIENT_SECRET);
            },
            "refused algorithm",
        ),
        (
            "expired",
            |c, _| {
                c["iat"] = json!(now() - 900);
                c["exp"] = json!(now() - 600);
            },
            "expired",
        ),
        (
            "issued long ago",
            |c, _| c["iat"] = json!(now() - 3600),
            "too long ago",
        ),
        (
            "issued in the future",
            |c, _| c["iat"] = json!(now() + 3600),
            "future",
        ),
        (
            "unknown key id",
            |_, t| t["kid"] = json!("unknown"),
            "key the IdP does not publish",
        ),
        (
            "token endpoint refuses",
            |_, t| t["status"] = json!(400),
            "refused the code",
        ),
        (
            "no id token",
            |_, t| t["omit_id_token"] = json!(true),
            "no id token",
        ),
        (
            "email not verified",
            |c, _| c["email_verified"] = json!(false),
            "not verified",
        ),
    ];
    let mut failures = vec![];
    for (name, change, says) in cases {
        let client = new_client();
        let (state, nonce, _) = forge_begin(&f, &client).await;
        let mut claims = good_claims(&f, &nonce);
        let mut token = json!({ "alg": "RS256" });
        change(&mut claims, &mut token);
        token["claims"] = claims;
        f.idp.next_token(token).await;
        let before = f.app.sso_audits("failure").await;
        let sessions = f.app.signed_in_sessions().await;
        let r = callback(&f, &client, &state).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        if status != StatusCode::UNAUTHORIZED {
            failures.push(format!("{name}: answered {status}"));
        } else if !body.contains(says) {
            let reason = sso_reason(&body);
            failures.push(format!("{name}: refused, but not for “{says}”: {reason}"));
        }
        if f.app.signed_in_sessions().await != sessions {
            failures.push(format!("{name}: a session was created"));
        }
        if f.app.sso_audits("failure").await != before + 1 {
            failures.push(format!("{name}: no audit row"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_new_signing_key_is_fetched_once_and_then_not_again_within_a_minute() {
    let f = forge_set_up().await;
    // The IdP rolls to key B after we cached its keys.
    let client = new_client();
    let (state, nonce, _) = forge_begin(&f, &client).await;
    f.idp.publish_key_b().await;
    let before = f.idp.stats().await["jwks_requests"].as_i64().unwrap();
    f.idp
        .next_token(json!({ "claims": good_claims(&f, &nonce), "alg": "RS256", "kid": "key-b" }))
        .await;
    let r = callback(&f, &client, &state).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "signed in after one refetch"
    );
    let after = f.idp.stats().await["jwks_requests"].as_i64().unwrap();
    assert_eq!(
        after,
        before + 1,
        "the keys were fetched again exactly once"
    );
    // A flood of unknown key ids does not make us fetch again at once.
    let client = new_client();
    let (state, nonce, _) = forge_begin(&f, &client).await;
    f.idp
        .next_token(json!({ "claims": good_claims(&f, &nonce), "alg": "RS256", "kid": "unknown" }))
        .await;
    assert_eq!(
        callback(&f, &client, &state).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let last = f.idp.stats().await["jwks_requests"].as_i64().unwrap();
    assert_eq!(last, after, "no second fetch within the minute");
}

// ── Only new orgs (SPEC §10) ──────────────────────────────────────────────────────

/// Provisions a customer through the API from the template `template`; answers its id.
async fn provision(app: &TestApp, template: &str, tag: &str) -> Uuid {
    let token = token_for(app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id(template).await;
    let address = json!({"addressLine1": "771 Alder Drive", "city": "Milpitas",
                         "stateOrProvince": "CA", "zipOrPostalCode": "95035", "country": "US"});
    let body = json!({
        "provisioningId": prov,
        "packages": ["webex_meetings"],
        "address": address,
        "customerInfo": { "name": format!("Birch Dental {tag}"),
                          "primaryEmail": format!("owner.{tag}@birch-dental.example"), "language": "en" },
        "provisioningParameters": { "meetings": {"timezone": "America/Los_Angeles"} }
    });
    let r = app
        .api_call(
            Some(&token),
            reqwest::Method::POST,
            "/v1/wholesale/customers",
            Some(&body),
        )
        .await;
    let location = location(&r);
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    Uuid::parse_str(location.rsplit('/').next().unwrap()).unwrap()
}

async fn auth_of(app: &TestApp, org: Uuid) -> (String, Option<Uuid>) {
    sqlx::query_as("SELECT auth_mode, idp_id FROM orgs WHERE id = $1")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_customer_keeps_the_sign_in_its_template_had_when_it_was_created() {
    let s = set_up().await;
    let template = "Standard SMB (US)";
    let before = provision(&s.app, template, "before").await;
    assert_eq!(auth_of(&s.app, before).await, ("webex".to_string(), None));
    // The template now signs users in through the partner's OIDC IdP (named in any case).
    sqlx::query("UPDATE onboarding_templates SET auth_mode = 'oidc', oidc_idp_name = 'northwind-oidc' WHERE name = $1")
        .bind(template)
        .execute(&s.app.db)
        .await
        .unwrap();
    let after = provision(&s.app, template, "after").await;
    assert_eq!(
        auth_of(&s.app, after).await,
        ("oidc".to_string(), Some(s.idp_id))
    );
    assert_eq!(
        auth_of(&s.app, before).await,
        ("webex".to_string(), None),
        "an existing org keeps its sign-in"
    );
    // Changing the template back moves nobody.
    sqlx::query(
        "UPDATE onboarding_templates SET auth_mode = 'webex', oidc_idp_name = NULL WHERE name = $1",
    )
    .bind(template)
    .execute(&s.app.db)
    .await
    .unwrap();
    assert_eq!(
        auth_of(&s.app, after).await,
        ("oidc".to_string(), Some(s.idp_id))
    );
    let page = s
        .app
        .page(&s.admin, &format!("/partner/customers/{after}"))
        .await;
    assert!(
        page.contains("OpenID Connect single sign-on through northwind-oidc"),
        "the detail page shows it"
    );
    let page = s
        .app
        .page(&s.admin, &format!("/partner/customers/{before}"))
        .await;
    assert!(page.contains("Built-in passwords"));
    // The spec's own check: the new customer's admin signs in through the IdP.
    s.app.run_due_jobs().await;
    let owner = "owner.after@birch-dental.example";
    let client = new_client();
    let auth = begin(&s.app, &client, owner).await;
    let back = through_idp(&s.idp, &auth, owner).await;
    let r = client.get(&back).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(location(&r), format!("/control/{after}"));
}

#[tokio::test]
async fn a_customer_created_before_its_idp_is_set_up_is_bound_when_it_is() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let template = "Standard SMB (US)";
    let entity = "https://idp.northwind.example/saml";
    sqlx::query(
        "UPDATE onboarding_templates SET auth_mode = 'saml', saml_entity_id = $2 WHERE name = $1",
    )
    .bind(template)
    .bind(entity)
    .execute(&app.db)
    .await
    .unwrap();
    let org = provision(&app, template, "early").await;
    assert_eq!(auth_of(&app, org).await, ("saml".to_string(), None));
    let page = app.page(&admin, &format!("/partner/customers/{org}")).await;
    assert!(
        page.contains("not set up in Settings"),
        "the detail page says so"
    );
    // Its people are told, not sent to a password.
    sqlx::query("INSERT INTO people (id, org_id, email) VALUES (gen_random_uuid(), $1, 'ann@birch.example')")
        .bind(org)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post_form_with(
            &new_client(),
            "/login",
            &[("email", "ann@birch.example"), ("next", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("not set up yet"));
    let r = app
        .save_saml_metadata(
            &admin,
            &saml_metadata_for(entity, "https://idp.northwind.example/sso"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let idp = app.saml_idp_of(app.org_id("Northwind Telecom").await).await;
    assert_eq!(auth_of(&app, org).await, ("saml".to_string(), Some(idp)));
}

#[tokio::test]
async fn an_idp_that_is_down_gets_a_plain_message_on_the_sign_in_page() {
    let s = set_up().await;
    // Nothing of the IdP is cached yet (saving it only checked its discovery).
    s.idp.stop().await;
    let r = s
        .app
        .post_form_with(
            &new_client(),
            "/login",
            &[("email", CUSTOMER_ADMIN), ("next", "")],
        )
        .await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("cannot be reached right now"), "{page}");
    assert!(
        page.contains(&format!("value=\"{CUSTOMER_ADMIN}\"")),
        "the email is kept"
    );
}

#[tokio::test]
async fn the_server_refuses_to_start_with_an_oidc_idp_and_no_secrets_key() {
    let s = set_up().await;
    let mut config = s.app.state.config.as_ref().clone();
    assert!(
        wholesale_hub::check_secrets_key(&config, &s.app.db)
            .await
            .is_ok()
    );
    config.secrets_key = None;
    let refused = wholesale_hub::check_secrets_key(&config, &s.app.db)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("HUB_SECRETS_KEY"));
    // Without any OIDC IdP there is nothing to open: it starts.
    sqlx::query("DELETE FROM identity_providers")
        .execute(&s.app.db)
        .await
        .unwrap();
    assert!(
        wholesale_hub::check_secrets_key(&config, &s.app.db)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_answer_handed_to_another_browser_signs_nobody_in() {
    let f = forge_set_up().await;
    // The attacker starts a sign-in and hands the victim the way back.
    let attacker = new_client();
    let (state, nonce, _) = forge_begin(&f, &attacker).await;
    f.idp
        .next_token(json!({ "claims": good_claims(&f, &nonce), "alg": "RS256" }))
        .await;
    let victim = new_client();
    f.app.csrf_of(&victim).await; // the victim has a session of their own
    let sessions = f.app.signed_in_sessions().await;
    let r = callback(&f, &victim, &state).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("another browser"));
    assert_eq!(f.app.signed_in_sessions().await, sessions);
    // Taken once: the attacker's own browser cannot use it afterwards either.
    assert_eq!(
        callback(&f, &attacker, &state).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
