//! Attaching wholesale to an org that existed before (SPEC §4.5): `POST
//! /v1/wholesale/customers` with `orgId`. Each consent criterion makes a request the
//! org's full admin answers in Control Hub; any other org is attached at once with the
//! rights the rule gives (full admin without an active licence, provisioning admin with
//! one). After an attach the org keeps its name and sign-in settings, restricted mode is
//! off, nobody is made its admin, and Partner Hub changes it through the API only.
//! Trials, other partners' orgs and unknown ids are refused alike.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_customers::assert_matches;
use crate::common::*;

const CUSTOMERS: &str = "/v1/wholesale/customers";
const JUNIPER: &str = "Juniper Legal";
const LINDEN: &str = "Linden Bakery";
const LINDEN_ADMIN: &str = "admin@linden-bakery.example";
const JUNIPER_ADMIN: &str = "admin@juniper-legal.example";

fn us_address() -> Value {
    json!({"addressLine1": "12 Baker Row", "city": "Boston", "stateOrProvince": "MA",
           "zipOrPostalCode": "02108", "country": "US"})
}

/// An attach request in the vendor's shape: no `customerInfo` (optional with `orgId`).
fn attach_body(provisioning_id: &str, org: Uuid, tag: &str) -> Value {
    json!({
        "provisioningId": provisioning_id,
        "packages": ["webex_calling", "webex_meetings"],
        "orgId": org.to_string(),
        "externalId": format!("attach-{tag}"),
        "address": us_address(),
        "provisioningParameters": {"calling": {"location": {
            "name": "Bakery", "address": us_address(), "timezone": "America/New_York", "language": "en_US"
        }}}
    })
}

async fn post(app: &TestApp, token: &str, body: &Value) -> Response {
    app.api_call(Some(token), Method::POST, CUSTOMERS, Some(body))
        .await
}

/// Posts an attach; asserts 202 with the org as the customer's `Location`.
async fn attach(app: &TestApp, token: &str, body: &Value) -> Uuid {
    let r = post(app, token, body).await;
    let location = location(&r);
    let body = json_of(r, StatusCode::ACCEPTED).await;
    assert_matches("ResourceURL", &body);
    let id = Uuid::parse_str(location.rsplit('/').next().unwrap()).unwrap();
    assert_eq!(location, format!("{}{CUSTOMERS}/{id}", app.address));
    id
}

async fn api_customer(app: &TestApp, token: &str, id: Uuid) -> Value {
    let r = app
        .api_call(Some(token), Method::GET, &format!("{CUSTOMERS}/{id}"), None)
        .await;
    let body = json_of(r, StatusCode::OK).await;
    assert_matches("Customer", &body);
    body
}

#[derive(Debug, sqlx::FromRow)]
struct OrgRow {
    name: String,
    onboarded_by: Option<Uuid>,
    attached: bool,
    partner_rights: Option<String>,
    restricted_by_partner: bool,
    auth_mode: String,
    status: Option<String>,
}

/// The (one, newest) consent request made to `org`.
async fn request_to(app: &TestApp, org: Uuid) -> Uuid {
    sqlx::query_scalar(
        "SELECT id FROM consent_requests WHERE customer_org_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(org)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// `client` answers `request` to `org` in Control Hub → Partner requests.
async fn answer(
    app: &TestApp,
    client: &reqwest::Client,
    org: Uuid,
    request: Uuid,
    answer: &str,
) -> Response {
    app.post_form_with(
        client,
        &format!("/control/{org}/partner-requests/{request}"),
        &[("answer", answer)],
    )
    .await
}

async fn org_row(app: &TestApp, id: Uuid) -> OrgRow {
    sqlx::query_as(
        "SELECT name, onboarded_by, attached, partner_rights, restricted_by_partner, auth_mode, status
         FROM orgs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn roles_in(app: &TestApp, org: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM role_assignments WHERE org_id = $1")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn emails_to(app: &TestApp, to: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE to_address = $1")
        .bind(to)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A new existing org nobody manages, with `people` people (the first its full admin,
/// signing in with the demo password) and the given domains. Returns its id and admin.
async fn existing_org(
    app: &TestApp,
    name: &str,
    people: i64,
    verified: Option<&str>,
    claimed: Option<&str>,
) -> (Uuid, String) {
    let id = Uuid::new_v4();
    let slug = name.to_lowercase().replace(' ', "-");
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, country, verified_domain, claimed_domain, restricted_by_partner,
                           created_at, updated_at)
         VALUES ($1, 'customer', $2, 'US', $3, $4, false, now(), now())",
    )
    .bind(id)
    .bind(name)
    .bind(verified)
    .bind(claimed)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO people (id, org_id, email, first_name, last_name, password_hash)
         SELECT gen_random_uuid(), $1, CASE WHEN n = 1 THEN 'admin@' ELSE 'user' || n || '@' END || $2 || '.example',
                'P' || n, 'Existing', CASE WHEN n = 1 THEN (SELECT password_hash FROM people WHERE email = $4) END
         FROM generate_series(1, $3) n",
    )
    .bind(id)
    .bind(&slug)
    .bind(people)
    .bind(PARTNER_ADMIN)
    .execute(&app.db)
    .await
    .unwrap();
    let admin = format!("admin@{slug}.example");
    sqlx::query(
        "INSERT INTO role_assignments (person_id, org_id, role)
         SELECT id, $1, 'customer_full_admin' FROM people WHERE email = $2",
    )
    .bind(id)
    .bind(&admin)
    .execute(&app.db)
    .await
    .unwrap();
    (id, admin)
}

#[tokio::test]
async fn an_org_meeting_no_consent_criterion_is_attached_at_once_and_keeps_what_is_its_own() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let linden = app.org_id(LINDEN).await;
    let northwind = app.org_id("Northwind Telecom").await;
    // Its own sign-in settings, which the template's must not replace.
    sqlx::query("UPDATE orgs SET auth_mode = 'saml' WHERE id = $1")
        .bind(linden)
        .execute(&app.db)
        .await
        .unwrap();
    let roles_before = roles_in(&app, linden).await;

    let id = attach(&app, &token, &attach_body(&prov, linden, "linden")).await;
    assert_eq!(id, linden, "the customer is the existing org");
    let o = org_row(&app, linden).await;
    assert_eq!(o.name, LINDEN, "the org's name does not change");
    assert_eq!(o.onboarded_by, Some(northwind));
    assert!(o.attached);
    // Its only licence is cancelled: the partner is made full admin.
    assert_eq!(o.partner_rights.as_deref(), Some("full_admin"));
    assert!(
        !o.restricted_by_partner,
        "restricted mode is off after attach"
    );
    assert_eq!(o.auth_mode, "saml", "the org's own auth settings win");

    app.run_due_jobs().await;
    let c = api_customer(&app, &token, linden).await;
    assert_eq!(c["status"], "provisioned", "{c:#}");
    assert_eq!(c["externalId"], "attach-linden");
    assert_eq!(c["orgId"], linden.to_string());
    assert_eq!(
        roles_in(&app, linden).await,
        roles_before,
        "provisioning made nobody admin"
    );
    assert_eq!(
        emails_to(&app, LINDEN_ADMIN).await,
        0,
        "an automatic attach notifies nobody"
    );

    // The first user provisioned is not made admin.
    let r = app
        .api_call(
            Some(&token),
            Method::POST,
            "/v1/wholesale/subscribers",
            Some(&json!({
                "customerId": linden.to_string(), "email": "baker@linden-bakery.example",
                "package": "webex_meetings",
                "provisioningParameters": {"firstName": "Bea", "lastName": "Baker"}
            })),
        )
        .await;
    json_of(r, StatusCode::OK).await;
    app.run_due_jobs().await;
    assert_eq!(roles_in(&app, linden).await, roles_before);

    // Partner Hub: in the list, with the explanation; its edit page refuses.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let list = app.page(&partner, "/partner/customers?q=linden").await;
    assert!(list.contains(LINDEN), "attached org listed");
    let detail = app
        .page(&partner, &format!("/partner/customers/{linden}"))
        .await;
    assert!(detail.contains("data-testid=\"attached-note\""), "{detail}");
    assert!(detail.contains("Full administrator"));
    let r = app
        .get_with(&partner, &format!("/partner/customers/{linden}/edit"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = app
        .page(&partner, &format!("/partner/customers/{linden}"))
        .await;
    assert!(back.contains("through the API only"), "{back}");
    let r = app
        .post_form_with(
            &partner,
            &format!("/partner/customers/{linden}/edit"),
            &[
                ("external_id", "changed-here"),
                ("package", "webex_meetings"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = api_customer(&app, &token, linden).await;
    assert_eq!(c["externalId"], "attach-linden", "the page changed nothing");
    // The API still changes it.
    let mut change = attach_body(&prov, linden, "linden-2");
    change.as_object_mut().unwrap().remove("orgId");
    let r = app
        .api_call(
            Some(&token),
            Method::PUT,
            &format!("{CUSTOMERS}/{linden}"),
            Some(&change),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    // The partner's admins open its Control Hub; restricted mode is off there.
    let users = app
        .page(&partner, &format!("/control/{linden}/users"))
        .await;
    assert!(users.contains(LINDEN_ADMIN), "a full admin sees every user");

    // Removing wholesale keeps the org: it is unmanaged again, with its people.
    app.run_due_jobs().await;
    let r = app
        .api_call(
            Some(&token),
            Method::DELETE,
            &format!("{CUSTOMERS}/{linden}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.run_due_jobs().await;
    let o = org_row(&app, linden).await;
    assert_eq!((o.onboarded_by, o.attached, o.status), (None, false, None));
    assert!(!app.org_deleted(linden).await, "the org record stays");
    let r = app
        .api_call(
            Some(&token),
            Method::GET,
            &format!("{CUSTOMERS}/{linden}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Its own admin still opens it (with passwords again: SAML was only to prove the
    // attach kept the org's setting).
    sqlx::query("UPDATE orgs SET auth_mode = 'webex' WHERE id = $1")
        .bind(linden)
        .execute(&app.db)
        .await
        .unwrap();
    let own_admin = app.client_for(LINDEN_ADMIN).await;
    app.page(&own_admin, &format!("/control/{linden}/users"))
        .await;
    discard(app).await;
}

#[tokio::test]
async fn an_active_licence_gives_the_partner_only_a_provisioning_admins_view() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let linden = app.org_id(LINDEN).await;
    sqlx::query("UPDATE org_licences SET status = 'active' WHERE org_id = $1")
        .bind(linden)
        .execute(&app.db)
        .await
        .unwrap();
    attach(&app, &token, &attach_body(&prov, linden, "limited")).await;
    assert_eq!(
        org_row(&app, linden).await.partner_rights.as_deref(),
        Some("provisioning_admin")
    );
    app.run_due_jobs().await;
    let r = app
        .api_call(
            Some(&token),
            Method::POST,
            "/v1/wholesale/subscribers",
            Some(&json!({
                "customerId": linden.to_string(), "email": "new.hire@linden-bakery.example",
                "package": "webex_meetings",
                "provisioningParameters": {"firstName": "Nia", "lastName": "Hire"}
            })),
        )
        .await;
    json_of(r, StatusCode::OK).await;
    app.run_due_jobs().await;

    let partner = app.client_for(PARTNER_ADMIN).await;
    let users = app
        .page(&partner, &format!("/control/{linden}/users"))
        .await;
    assert!(users.contains("new.hire@linden-bakery.example"), "{users}");
    assert!(
        !users.contains(LINDEN_ADMIN) && !users.contains("user1@linden-bakery.example"),
        "the org's own people are outside a provisioning admin's view"
    );
    let own: Uuid = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(LINDEN_ADMIN)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = app
        .get_with(&partner, &format!("/control/{linden}/users/{own}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{linden}/users/{own}/role"),
            &[("role", "none")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no admin roles to give");
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{linden}/users/{own}"),
            &[
                ("first_name", "Renamed"),
                ("last_name", "Admin"),
                ("display_name", ""),
                ("email", LINDEN_ADMIN),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let first: String = sqlx::query_scalar("SELECT first_name FROM people WHERE id = $1")
        .bind(own)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_ne!(first, "Renamed");
    // The org's own admin still sees everyone.
    let admin = app.client_for(LINDEN_ADMIN).await;
    let theirs = app.page(&admin, &format!("/control/{linden}/users")).await;
    assert!(theirs.contains("user1@linden-bakery.example") && theirs.contains("new.hire@"));
    discard(app).await;
}

#[tokio::test]
async fn each_consent_criterion_waits_for_the_org_admin_who_accepts_or_declines() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let northwind = app.org_id("Northwind Telecom").await;
    let big = existing_org(&app, "Hundred People", 100, None, None).await;
    let claimed = existing_org(&app, "Claimed Domain", 3, None, Some("claimed.example")).await;
    let juniper = app.org_id(JUNIPER).await;
    let partner = app.client_for(PARTNER_ADMIN).await;

    for (org, tag) in [(big.0, "big"), (claimed.0, "claimed"), (juniper, "juniper")] {
        let id = attach(&app, &token, &attach_body(&prov, org, tag)).await;
        assert_eq!(id, org);
        let o = org_row(&app, org).await;
        assert_eq!(
            (o.onboarded_by, o.attached),
            (None, false),
            "{tag}: nothing attached before consent"
        );
        // The API shows the request waiting; the partner cannot enter the org.
        let c = api_customer(&app, &token, org).await;
        assert_eq!(c["status"], "provisioning", "{tag}: {c:#}");
        assert_eq!(
            c["resourceDetails"]["packages"][0]["warnings"][0]["errorCode"], 10310,
            "{c:#}"
        );
        assert_eq!(c["externalId"], format!("attach-{tag}"));
        let r = app
            .get_with(&partner, &format!("/control/{org}/users"))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{tag}");
        // Asking twice is a conflict.
        let r = post(&app, &token, &attach_body(&prov, org, tag)).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{tag}");
    }
    let list = app.page(&partner, "/partner/customers").await;
    assert!(list.contains("data-testid=\"attach-requests\""));
    for name in ["Hundred People", "Claimed Domain", JUNIPER] {
        assert!(list.contains(name), "{name} among the attach requests");
    }
    assert_eq!(
        emails_to(&app, JUNIPER_ADMIN).await,
        0,
        "the template does not allow admin-invite emails"
    );

    // 100 people: the admin accepts; the partner becomes full admin.
    let admin = app.client_for(&big.1).await;
    let home = app.get_with(&admin, &format!("/control/{}", big.0)).await;
    assert_eq!(
        location(&home),
        format!("/control/{}/partner-requests", big.0),
        "a waiting request is where the org's Control Hub opens"
    );
    let page = app
        .page(&admin, &format!("/control/{}/partner-requests", big.0))
        .await;
    assert!(page.contains("Northwind Telecom") && page.contains("Waiting for your answer"));
    let request = request_to(&app, big.0).await;
    // A partner admin cannot answer for the org.
    let r = answer(&app, &partner, big.0, request, "accept").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = answer(&app, &admin, big.0, request, "accept").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let o = org_row(&app, big.0).await;
    assert_eq!(o.onboarded_by, Some(northwind));
    assert_eq!(o.partner_rights.as_deref(), Some("full_admin"));
    assert!(o.attached && !o.restricted_by_partner);
    assert_eq!(o.name, "Hundred People");
    app.run_due_jobs().await;
    assert_eq!(
        api_customer(&app, &token, big.0).await["status"],
        "provisioned"
    );
    app.page(&partner, &format!("/control/{}/users", big.0))
        .await;
    // Answering again changes nothing.
    let r = answer(&app, &admin, big.0, request, "decline").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let status: String = sqlx::query_scalar("SELECT status FROM consent_requests WHERE id = $1")
        .bind(request)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "accepted");

    // A claimed domain: declined; the API reports it, nothing is attached.
    let admin = app.client_for(&claimed.1).await;
    let request = request_to(&app, claimed.0).await;
    let r = answer(&app, &admin, claimed.0, request, "decline").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = api_customer(&app, &token, claimed.0).await;
    assert_eq!(c["status"], "error");
    assert_eq!(c["errors"][0]["errorCode"], 10311, "{c:#}");
    assert_eq!(org_row(&app, claimed.0).await.onboarded_by, None);
    let list = app.page(&partner, "/partner/customers").await;
    assert!(list.contains("Declined"));
    discard(app).await;
}

#[tokio::test]
async fn a_read_only_admin_of_the_org_sees_requests_but_cannot_answer() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let juniper = app.org_id(JUNIPER).await;
    attach(&app, &token, &attach_body(&prov, juniper, "ro")).await;
    sqlx::query(
        "UPDATE role_assignments SET role = 'customer_readonly_admin'
         WHERE person_id = (SELECT id FROM people WHERE email = $1)",
    )
    .bind(JUNIPER_ADMIN)
    .execute(&app.db)
    .await
    .unwrap();
    let ro = app.client_for(JUNIPER_ADMIN).await;
    let page = app
        .page(&ro, &format!("/control/{juniper}/partner-requests"))
        .await;
    assert!(page.contains("Northwind Telecom") && !page.contains("value=\"accept\""));
    let request = request_to(&app, juniper).await;
    let r = answer(&app, &ro, juniper, request, "accept").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(org_row(&app, juniper).await.onboarded_by, None);
    discard(app).await;
}

#[tokio::test]
async fn trials_other_partners_orgs_and_unknown_ids_are_refused() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let trial = app.org_id("Mistral Trial Co").await;
    let body = error_body(
        post(&app, &token, &attach_body(&prov, trial, "trial")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body.to_string().contains("trials cannot be converted"),
        "{body}"
    );
    assert_eq!(org_row(&app, trial).await.onboarded_by, None);

    // Already Northwind's own customer: a conflict, with the way to change it.
    let acme = app.org_id("Acme Dental").await;
    let r = post(&app, &token, &attach_body(&prov, acme, "acme")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // A sub-partner's customer (Northwind manages it only through Eastwind), a partner
    // org and an id that names nothing: one answer, telling nothing.
    let harbor = app.org_id("Harbor Books").await;
    let southwind = app.org_id("Southwind Reseller").await;
    let mut answers = vec![];
    for org in [harbor, southwind, Uuid::new_v4()] {
        let body = error_body(
            post(&app, &token, &attach_body(&prov, org, "other")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        answers.push(body["errors"].clone());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    // Another partner's customer, from a sub-partner's token.
    let reseller = token_for(&app, RESELLER_ADMIN).await;
    let sw_prov = app.provisioning_id("Southwind default").await;
    let body = error_body(
        post(&app, &reseller, &attach_body(&sw_prov, acme, "foreign")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"], answers[2]);
    // Read-only admins change nothing.
    let ro = token_for(&app, PARTNER_READONLY).await;
    let linden = app.org_id(LINDEN).await;
    let r = post(&app, &ro, &attach_body(&prov, linden, "ro")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(org_row(&app, linden).await.onboarded_by, None);

    // The precheck judges the org too.
    let r = app
        .api_call(
            Some(&token),
            Method::POST,
            "/v1/wholesale/customers/validate",
            Some(&attach_body(&prov, trial, "trial")),
        )
        .await;
    let body = error_body(r, StatusCode::BAD_REQUEST).await;
    assert!(body.to_string().contains("trials cannot be converted"));
    let r = app
        .api_call(
            Some(&token),
            Method::POST,
            "/v1/wholesale/customers/validate",
            Some(&attach_body(&prov, linden, "ok")),
        )
        .await;
    assert_eq!(json_of(r, StatusCode::OK).await["info"][0]["infoCode"], 100);
    assert_eq!(org_row(&app, linden).await.onboarded_by, None);
    discard(app).await;
}

#[tokio::test]
async fn admin_invite_emails_go_only_when_the_template_allows_them() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    sqlx::query(
        "UPDATE onboarding_templates SET allow_admin_invite_emails = true WHERE provisioning_id = $1",
    )
    .bind(&prov)
    .execute(&app.db)
    .await
    .unwrap();
    let juniper = app.org_id(JUNIPER).await;
    attach(&app, &token, &attach_body(&prov, juniper, "invite")).await;
    let (subject, body) = app.latest_email(JUNIPER_ADMIN, "admin_invite").await;
    assert!(
        subject.contains("Northwind Telecom") && subject.contains(JUNIPER),
        "{subject}"
    );
    assert!(
        body.contains(&format!("/control/{juniper}/partner-requests")),
        "{body}"
    );
    // An automatic attach notifies nobody, whatever the template allows.
    let linden = app.org_id(LINDEN).await;
    attach(&app, &token, &attach_body(&prov, linden, "quiet")).await;
    assert_eq!(emails_to(&app, LINDEN_ADMIN).await, 0);
    discard(app).await;
}

#[tokio::test]
async fn a_sub_partners_attach_gives_its_parent_the_managed_by_row() {
    let app = spawn_app().await;
    let token = token_for(&app, RESELLER_ADMIN).await;
    let prov = app.provisioning_id("Southwind default").await;
    let linden = app.org_id(LINDEN).await;
    let (southwind, northwind) = (
        app.org_id("Southwind Reseller").await,
        app.org_id("Northwind Telecom").await,
    );
    attach(&app, &token, &attach_body(&prov, linden, "sw")).await;
    let relations: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT manager_org_id, relation FROM org_relationships WHERE managed_org_id = $1 ORDER BY relation",
    )
    .bind(linden)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        relations,
        vec![
            (southwind, "onboarded".to_string()),
            (northwind, "parent_of_sub_partner_customer".to_string())
        ]
    );
    discard(app).await;
}

#[tokio::test]
async fn a_new_customer_with_an_existing_orgs_email_is_told_to_attach_it() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let mut body = attach_body(&prov, Uuid::nil(), "wizard");
    body.as_object_mut().unwrap().remove("orgId");
    body["customerInfo"] = json!({"name": "Juniper Again", "primaryEmail": JUNIPER_ADMIN});
    let refused = error_body(post(&app, &token, &body).await, StatusCode::BAD_REQUEST).await;
    assert!(
        refused
            .to_string()
            .contains("added to an existing organisation through the API"),
        "{refused}"
    );
    discard(app).await;
}

fn branding_form(light_primary: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("light_primary", light_primary.to_string())
        .text("light_accent", "#aa3300")
        .text("dark_primary", "#101010")
        .text("dark_accent", "#ffaa00")
        .text("support_url", "https://help.linden-bakery.example/")
}

#[tokio::test]
async fn an_attached_org_may_override_its_partners_branding_and_go_back_to_it() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let linden = app.org_id(LINDEN).await;
    attach(&app, &token, &attach_body(&prov, linden, "brand")).await;
    app.run_due_jobs().await;
    let admin = app.client_for(LINDEN_ADMIN).await;
    let partner = app.client_for(PARTNER_ADMIN).await;
    let theme = |c: reqwest::Client| {
        let url = app.url(&format!("/control/{linden}/theme.css"));
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    // At first, the partner's (the demo's Northwind colours).
    let before = theme(admin.clone()).await;
    assert!(before.contains("--brand-bar: #0f3d6e"), "{before}");
    let account = app
        .page(&admin, &format!("/control/{linden}/account"))
        .await;
    assert!(account.contains("data-testid=\"own-branding-link\""));

    // Partner admins may not override the partner's branding for the org.
    let r = app
        .get_with(&partner, &format!("/control/{linden}/branding"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = app.csrf_of(&admin).await;
    let bad = admin
        .post(app.url(&format!("/control/{linden}/branding")))
        .multipart(branding_form("not-a-colour").text("csrf_token", csrf))
        .send()
        .await
        .unwrap();
    let page = html_of(bad, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("light_primary-error"), "{page}");
    let csrf = app.csrf_of(&admin).await;
    let r = admin
        .post(app.url(&format!("/control/{linden}/branding")))
        .multipart(branding_form("#225522").text("csrf_token", csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Everyone in the org's Control Hub sees its own now, the partner's admins too.
    for c in [admin.clone(), partner.clone()] {
        let css = theme(c).await;
        assert!(css.contains("--brand-bar: #225522"), "{css}");
    }
    let users = app.page(&admin, &format!("/control/{linden}/users")).await;
    assert!(users.contains("https://help.linden-bakery.example/"));
    // Back to the partner's.
    let r = app
        .post_form_with(&admin, &format!("/control/{linden}/branding/reset"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(theme(admin.clone()).await.contains("--brand-bar: #0f3d6e"));

    // An org wholesale created has no such page.
    let acme = app.org_id("Acme Dental").await;
    let carla = app.client_for(CUSTOMER_ADMIN).await;
    let r = app
        .get_with(&carla, &format!("/control/{acme}/branding"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    discard(app).await;
}

#[tokio::test]
async fn a_template_deleted_while_a_request_waits_leaves_the_request_unanswerable_only() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    // A copy of the template that no customer uses, so that it can be deleted.
    let mut tx = app.db.begin().await.unwrap();
    for sql in [
        "CREATE TEMP TABLE spare ON COMMIT DROP AS SELECT * FROM onboarding_templates WHERE provisioning_id = $1",
        "UPDATE spare SET id = gen_random_uuid(), name = 'Spare for attach', provisioning_id = 'spare-attach'",
        "INSERT INTO onboarding_templates SELECT * FROM spare",
    ] {
        let q = sqlx::query(sql);
        let q = if sql.contains("$1") { q.bind(&prov) } else { q };
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let juniper = app.org_id(JUNIPER).await;
    attach(&app, &token, &attach_body("spare-attach", juniper, "spare")).await;
    let spare: Uuid = sqlx::query_scalar(
        "SELECT id FROM onboarding_templates WHERE provisioning_id = 'spare-attach'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(&partner, &format!("/partner/templates/{spare}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the template is deleted");
    let admin = app.client_for(JUNIPER_ADMIN).await;
    let request = request_to(&app, juniper).await;
    let r = answer(&app, &admin, juniper, request, "accept").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .page(&admin, &format!("/control/{juniper}/partner-requests"))
        .await;
    assert!(page.contains("no longer exists"), "{page}");
    assert_eq!(org_row(&app, juniper).await.onboarded_by, None);
    discard(app).await;
}

#[tokio::test]
async fn the_partner_withdraws_a_waiting_request_by_api_or_page() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let juniper = app.org_id(JUNIPER).await;
    attach(&app, &token, &attach_body(&prov, juniper, "w1")).await;
    // Read-only admins withdraw nothing.
    let ro = token_for(&app, PARTNER_READONLY).await;
    let r = app
        .api_call(
            Some(&ro),
            Method::DELETE,
            &format!("{CUSTOMERS}/{juniper}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The API: DELETE of the org that is no customer yet withdraws the request.
    let r = app
        .api_call(
            Some(&token),
            Method::DELETE,
            &format!("{CUSTOMERS}/{juniper}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = app
        .api_call(
            Some(&token),
            Method::GET,
            &format!("{CUSTOMERS}/{juniper}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "nothing waits any more");
    let admin = app.client_for(JUNIPER_ADMIN).await;
    let page = app
        .page(&admin, &format!("/control/{juniper}/partner-requests"))
        .await;
    assert!(page.contains("Withdrawn by the partner") && !page.contains("value=\"accept\""));
    // Another partner's DELETE of the same id withdraws nothing of Northwind's.
    attach(&app, &token, &attach_body(&prov, juniper, "w2")).await;
    let reseller = token_for(&app, RESELLER_ADMIN).await;
    let r = app
        .api_call(
            Some(&reseller),
            Method::DELETE,
            &format!("{CUSTOMERS}/{juniper}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The page: the list's Withdraw button.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let list = app.page(&partner, "/partner/customers").await;
    assert!(list.contains("data-testid=\"withdraw-attach\""));
    let r = app
        .post_form_with(
            &partner,
            &format!("/partner/attach-requests/{juniper}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app.page(&partner, "/partner/customers").await;
    assert!(
        !list.contains("data-testid=\"attach-requests\""),
        "nothing waits"
    );
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consent_requests WHERE customer_org_id = $1 AND status = 'pending'",
    )
    .bind(juniper)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(left, 0);
    discard(app).await;
}
