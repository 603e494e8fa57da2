//! The REST API door (SPEC §9): bearer tokens created in the portal, the vendor's error
//! body, `GET /v1/wholesale/subPartners` with paging, `onBehalfOfSubPartnerOrgId`, and
//! the Settings → API tokens page.

use reqwest::{Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use wholesale_hub::store;

use crate::common::*;

const SUB_PARTNERS: &str = "/v1/wholesale/subPartners";

async fn items(r: Response) -> Vec<Value> {
    assert_eq!(r.status(), StatusCode::OK);
    assert!(is_json(&r));
    let body: Value = r.json().await.unwrap();
    body["items"].as_array().expect("items").clone()
}

fn link(r: &Response) -> Option<String> {
    r.headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string())
}

fn is_vendor_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && s.ends_with('Z')
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && s.chars()
            .enumerate()
            .all(|(i, c)| [4, 7, 10, 13, 16, 19, 23].contains(&i) || c.is_ascii_digit())
}

/// Failed tokens are limited per address: after 30 in 15 minutes its failures answer
/// 429 + Retry-After. A valid token from the same address is never refused for what
/// other clients sent, and failed tokens do not hold page sign-ins from it either.
#[tokio::test]
async fn failed_tokens_are_limited_per_address_but_never_refuse_a_valid_one() {
    let app = spawn_app().await;
    let good = token_for(&app, PARTNER_ADMIN).await;
    let shared = client_from(81);
    let call = |token: String| {
        let (client, url) = (shared.clone(), app.url("/v1/wholesale/customers"));
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let wrong = format!("whk_{}", "x".repeat(good.len() - 4));
    for bad in ["nonsense", wrong.as_str()] {
        for _ in 0..15 {
            let r = call(bad.to_string()).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
    }
    let r = call("junk".into()).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "guessing stays limited"
    );
    assert_eq!(r.headers()["retry-after"], "900");
    assert!(is_json(&r));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorCode"], 1429, "{body:#}");
    // The integration behind the same address goes on working.
    assert_eq!(call(good.clone()).await.status(), StatusCode::OK);
    let r = app.login_with(&shared, PARTNER_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Another address is not limited by this one's failures.
    let other = client_from(82)
        .get(app.url("/v1/wholesale/customers"))
        .bearer_auth("junk")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(call("junk".into()).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_in_the_api_error_body() {
    let app = spawn_app().await;
    let revoked = token_for(&app, PARTNER_ADMIN).await;
    let admin = app.person_id(PARTNER_ADMIN).await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM api_tokens WHERE person_id = $1")
        .bind(admin)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(
        store::tokens::revoke(&app.db, admin, id, app.clock.now())
            .await
            .unwrap()
    );
    let wrong = format!("whk_{}", "A".repeat(43));
    for token in [
        None,
        Some(wrong.as_str()),
        Some("not-even-a-token"),
        Some(revoked.as_str()),
    ] {
        let r = app.api_get(token, SUB_PARTNERS).await;
        assert_eq!(
            r.headers().get("www-authenticate").unwrap(),
            "Bearer",
            "{token:?}"
        );
        let body = error_body(r, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["errors"][0]["errorCode"], 1401, "{token:?}");
    }
    // Another scheme, or a signed-in browser session, is no API credential.
    let r = new_client()
        .get(app.url(SUB_PARTNERS))
        .basic_auth(PARTNER_ADMIN, Some(DEMO_PASSWORD))
        .send()
        .await
        .unwrap();
    error_body(r, StatusCode::UNAUTHORIZED).await;
    let browser = app.client_for(PARTNER_ADMIN).await;
    let r = app.get_with(&browser, SUB_PARTNERS).await;
    error_body(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_token_of_a_disabled_admin_stops_working() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    assert_eq!(
        app.api_get(Some(&token), SUB_PARTNERS).await.status(),
        StatusCode::OK
    );
    sqlx::query("UPDATE people SET disabled = true WHERE email = $1::citext")
        .bind(PARTNER_ADMIN)
        .execute(&app.db)
        .await
        .unwrap();
    error_body(
        app.api_get(Some(&token), SUB_PARTNERS).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn a_token_acts_with_its_admins_roles() {
    let app = spawn_app().await;
    let customer = token_for(&app, CUSTOMER_ADMIN).await;
    let body = error_body(
        app.api_get(Some(&customer), SUB_PARTNERS).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(body["errors"][0]["errorCode"], 1403);
    assert_eq!(app.audit_count("authorization.denied", "denied").await, 1);
    // A read-only partner admin may read.
    let ro = token_for(&app, PARTNER_READONLY).await;
    assert_eq!(
        items(app.api_get(Some(&ro), SUB_PARTNERS).await)
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn a_partner_lists_its_sub_partners_in_the_vendors_shape() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let r = app.api_get(Some(&token), SUB_PARTNERS).await;
    assert_eq!(link(&r), None, "one page only");
    let list = items(r).await;
    assert_eq!(list.len(), 2, "the demo's two sub-partners");
    let southwind = app.org_id("Southwind Reseller").await;
    let s = &list[0];
    assert_eq!(s["orgId"], southwind.to_string());
    assert_eq!(s["subscriptionId"], "Sub-NW-100001");
    assert_eq!(s["provisioningState"], "active");
    let created = s["created"].as_str().unwrap();
    assert!(is_vendor_timestamp(created), "{created}");
    let billing = s["billingStartDate"].as_str().unwrap();
    assert!(is_vendor_timestamp(billing), "{billing}");
    assert!(billing.ends_with("T00:00:00.000Z"), "{billing}");
    assert_eq!(
        &billing[..10],
        &created[..10],
        "defaults to the onboarding date"
    );
    // Nothing the vendor's SubPartner does not have.
    assert_eq!(s.as_object().unwrap().len(), 5, "{s}");

    let used: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE prefix = $1")
            .bind(&token[..12])
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(used.is_some(), "the token's use is recorded");

    let filtered = app
        .api_get(
            Some(&token),
            &format!("{SUB_PARTNERS}?provisioningState=suspended"),
        )
        .await;
    assert!(items(filtered).await.is_empty());
    let body = error_body(
        app.api_get(
            Some(&token),
            &format!("{SUB_PARTNERS}?provisioningState=sleeping"),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["errors"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("provisioningState: ")
    );
}

#[tokio::test]
async fn a_sub_partner_has_no_sub_partners() {
    let app = spawn_app().await;
    let token = token_for(&app, RESELLER_ADMIN).await;
    assert!(
        items(app.api_get(Some(&token), SUB_PARTNERS).await)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn pages_are_linked_with_the_full_url_of_the_next_one() {
    let app = spawn_app().await;
    // The demo's two sub-partners, oldest first.
    let second = app.org_id("Eastwind Networks").await;
    let token = token_for(&app, PARTNER_ADMIN).await;

    let r = app
        .api_get(Some(&token), &format!("{SUB_PARTNERS}?max=1"))
        .await;
    let next = link(&r).expect("a Link header while more remain");
    let expected = format!("{}{SUB_PARTNERS}?max=1&offset=1", app.address);
    assert_eq!(next, format!("<{expected}>; rel=\"next\""));
    let first = items(r).await;
    assert_eq!(first.len(), 1);
    assert_eq!(
        first[0]["orgId"],
        app.org_id("Southwind Reseller").await.to_string()
    );

    let r = app.api_get(Some(&token), &expected).await;
    assert_eq!(link(&r), None, "the last page has no next");
    let page2 = items(r).await;
    assert_eq!(page2.len(), 1);
    assert_eq!(page2[0]["orgId"], second.to_string());

    assert_eq!(
        items(app.api_get(Some(&token), SUB_PARTNERS).await)
            .await
            .len(),
        2
    );
    for (q, field) in [
        ("max=abc", "max"),
        ("offset=-1", "offset"),
        ("max=-3", "max"),
    ] {
        let body = error_body(
            app.api_get(Some(&token), &format!("{SUB_PARTNERS}?{q}"))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            body["errors"][0]["description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}: ")),
            "{q}: {body}"
        );
    }
}

#[tokio::test]
async fn acting_on_behalf_of_an_org_that_is_not_ones_sub_partner_answers_404() {
    let app = spawn_app().await;
    let admin = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let southwind = app.org_id("Southwind Reseller").await;
    let northwind = app.org_id("Northwind Telecom").await;
    let on_behalf = |org: String| format!("{SUB_PARTNERS}?onBehalfOfSubPartnerOrgId={org}");
    for org in [
        acme.to_string(),
        Uuid::new_v4().to_string(),
        northwind.to_string(),
        "not-an-org".to_string(),
    ] {
        let body = error_body(
            app.api_get(Some(&admin), &on_behalf(org.clone())).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(body["errors"][0]["errorCode"], 1404, "{org}");
    }
    // A sub-partner cannot act for anyone, not even its parent.
    let reseller = token_for(&app, RESELLER_ADMIN).await;
    error_body(
        app.api_get(Some(&reseller), &on_behalf(northwind.to_string()))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The parent acting for its own sub-partner works there (which has none of its own)...
    let r = app
        .api_get(Some(&admin), &on_behalf(southwind.to_string()))
        .await;
    assert!(items(r).await.is_empty());
    // ...but only with the roles cross-launch needs (SPEC §11).
    let ro = token_for(&app, PARTNER_READONLY).await;
    error_body(
        app.api_get(Some(&ro), &on_behalf(southwind.to_string()))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_json() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    for path in ["/v1/nope", "/v1/wholesale/subPartners/extra", "/v1"] {
        let body = error_body(app.api_get(Some(&token), path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(body["errors"][0]["errorCode"], 1404, "{path}");
    }
    // Also without a token: an unknown path is a 404 whoever asks.
    error_body(app.api_get(None, "/v1/nope").await, StatusCode::NOT_FOUND).await;
    let r = new_client()
        .delete(app.url(SUB_PARTNERS))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET,HEAD");
    let body = error_body(r, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(body["errors"][0]["errorCode"], 1405);
    // No session cookie and no CSRF token needed: a POST reaches the API's own answer.
    let r = new_client()
        .post(app.url(SUB_PARTNERS))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    error_body(r, StatusCode::METHOD_NOT_ALLOWED).await;
}

fn secret_in(html: &str) -> Option<String> {
    let marker = "id=\"new-token-secret\" readonly value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

async fn create_on_page(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
) -> (StatusCode, String) {
    let r = app
        .post_form_with(client, "/partner/settings/api-tokens", &[("name", name)])
        .await;
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_new_token_is_shown_once_and_stored_only_as_a_hash() {
    let app = spawn_app().await;
    // Any partner role may create tokens; a wholesale admin has no Settings pages.
    let admin = app.client_for(WHOLESALE_ADMIN).await;
    let page = app.get_with(&admin, "/partner/settings/api-tokens").await;
    let html = html_of(page, StatusCode::OK).await;
    assert!(html.contains("You have no API tokens yet"));
    assert!(
        html.contains("href=\"/partner/settings/api-tokens\""),
        "in the nav"
    );

    let (status, html) = create_on_page(&app, &admin, "Billing system").await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = secret_in(&html).expect("the secret on the page");
    assert!(secret.starts_with("whk_") && secret.len() > 40, "{secret}");
    assert!(html.contains("it will not be shown again"));

    let listing = app.page(&admin, "/partner/settings/api-tokens").await;
    assert!(!listing.contains(&secret), "the secret is shown once");
    assert!(listing.contains(&format!("{}…", &secret[..12])));
    assert!(listing.contains("Billing system"));

    let (hash, prefix, name): (Vec<u8>, String, String) =
        sqlx::query_as("SELECT token_hash, prefix, name FROM api_tokens")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_ne!(hash, secret.as_bytes());
    assert_eq!(hash, Sha256::digest(secret.as_bytes()).to_vec());
    assert_eq!(prefix, &secret[..12]);
    assert_eq!(name, "Billing system");
    assert_eq!(app.audit_count("api_token.create", "success").await, 1);

    // The token works, as its admin.
    assert_eq!(
        app.api_get(Some(&secret), SUB_PARTNERS).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_needs_a_name_of_at_most_100_characters() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let (status, html) = create_on_page(&app, &admin, "   ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("id=\"name-error\""));
    assert!(secret_in(&html).is_none());
    let long = "n".repeat(101);
    let (status, html) = create_on_page(&app, &admin, &long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("at most 100 characters"));
    assert!(
        html.contains(&format!("value=\"{long}\"")),
        "what was typed is kept"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let (status, _) = create_on_page(&app, &admin, &"n".repeat(100)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn only_its_owner_revokes_a_token_and_then_it_is_refused() {
    let app = spawn_app().await;
    let owner = app.client_for(PARTNER_READONLY).await;
    let (status, html) = create_on_page(&app, &owner, "Read-only reports").await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = secret_in(&html).unwrap();
    let id: Uuid = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let revoke = format!("/partner/settings/api-tokens/{id}/revoke");

    let other = app.client_for(PARTNER_ADMIN).await;
    let r = app.post_form_with(&other, &revoke, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.api_get(Some(&secret), SUB_PARTNERS).await.status(),
        StatusCode::OK,
        "still active"
    );

    let r = app.post_form_with(&owner, &revoke, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/partner/settings/api-tokens");
    let listing = app.page(&owner, "/partner/settings/api-tokens").await;
    assert!(listing.contains("The token was revoked"));
    assert!(listing.contains("Revoked <time"));
    assert!(
        !listing.contains(&revoke),
        "no revoke button for a revoked token"
    );
    error_body(
        app.api_get(Some(&secret), SUB_PARTNERS).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(app.audit_count("api_token.revoke", "success").await, 1);
}
