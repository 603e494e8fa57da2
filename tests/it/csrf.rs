//! Every state-changing request needs the session's CSRF token and our own origin.

use reqwest::StatusCode;

use crate::authz::fill;
use crate::common::*;

#[tokio::test]
async fn every_post_without_a_token_is_refused() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let posts: Vec<&str> = app
        .routes
        .iter()
        .filter(|(m, _)| m == reqwest::Method::POST)
        // The exempt: the API authenticates with bearer tokens, not cookies, and the
        // SAML ACS takes the IdP's cross-site POST by design (its proof is the signed
        // response and our server-side transaction, tests/it/sso_saml.rs).
        .filter(|(_, p)| !wholesale_hub::auth::csrf::exempt(p))
        .map(|(_, p)| *p)
        .collect();
    assert!(
        posts.len() >= 8,
        "expected the POST routes to be registered: {posts:?}"
    );
    for route in posts {
        let path = fill(&app, route).await;
        let r = admin
            .post(app.url(&path))
            .form(&[("email", PARTNER_ADMIN), ("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "POST {route} without a token"
        );
        let r = admin
            .post(app.url(&path))
            .form(&[
                ("csrf_token", "forged-token-value"),
                ("email", PARTNER_ADMIN),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "POST {route} with a wrong token"
        );
    }
}

#[tokio::test]
async fn a_valid_token_from_another_site_is_refused() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let token = app.csrf_of(&admin).await;
    let acme = app.org_id("Acme Dental").await;
    let path = format!("/partner/customers/{acme}/global-settings");
    let cross_origin = admin
        .post(app.url(&path))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status(), StatusCode::FORBIDDEN);
    let cross_site = admin
        .post(app.url(&path))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let restricted: bool =
        sqlx::query_scalar("SELECT restricted_by_partner FROM orgs WHERE id = $1")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(restricted, "nothing changed");
    // The same request from our own origin works.
    let own = admin
        .post(app.url(&path))
        .header("origin", app.address.clone())
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_get_never_changes_state() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let r = app
        .get_with(
            &admin,
            &format!("/partner/customers/{acme}/global-settings"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = app.get_with(&admin, "/logout").await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.text().await.unwrap().contains("Not an address to open"),
        "a page, not a bare 405"
    );
    assert_eq!(
        app.get_with(&admin, "/partner").await.status(),
        StatusCode::OK,
        "still signed in"
    );
}
