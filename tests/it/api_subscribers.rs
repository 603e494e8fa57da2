//! `/v1/wholesale/subscribers` (SPEC §9.2, §9.3): provisioning a user in the vendor's
//! shapes (checked against the vendor's own schema, made strict), the list's filters and
//! paging, every refusal of bad input with nothing created, package quantities under
//! concurrency, package changes and removal in the append-only licence history, tenancy
//! and the precheck.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_customers::assert_matches;
use crate::common::*;

const SUBSCRIBERS: &str = "/v1/wholesale/subscribers";
const VALIDATE: &str = "/v1/wholesale/subscribers/validate";
const EMAIL_IN_USE: &str = "The email is already associated with an existing user.";

fn user(customer: Uuid, email: &str, package: &str, extension: Option<&str>) -> Value {
    let mut params = json!({"firstName": "Jo", "lastName": "Park"});
    if let Some(e) = extension {
        params["extension"] = json!(e);
    }
    json!({"customerId": customer, "email": email, "packages": [package], "provisioningParameters": params})
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Response {
    app.api_call(Some(token), method, path, body).await
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let r = call(app, token, Method::POST, SUBSCRIBERS, Some(body)).await;
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let s = json_of(r, StatusCode::OK).await;
    assert_matches("Subscriber", &s);
    let location = location.expect("a Location header");
    assert!(
        location.ends_with(&format!("{SUBSCRIBERS}/{}", s["id"].as_str().unwrap())),
        "{location}"
    );
    s
}

fn descriptions(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_user_posted_is_provisioned_at_once_in_the_vendors_shape_with_a_welcome_email() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let s = create(
        &app,
        &token,
        &user(
            acme,
            "jo.park@acme-dental.example",
            "webex_calling",
            Some("2101"),
        ),
    )
    .await;
    assert_eq!(s["email"], "jo.park@acme-dental.example");
    assert_eq!(s["customerId"], acme.to_string());
    assert_eq!(s["package"], "webex_calling");
    assert_eq!(s["packages"], json!(["webex_calling"]));
    assert_eq!(s["status"], "provisioned");
    assert!(s["personId"].is_string());
    let id = s["id"].as_str().unwrap();

    // GET answers the same subscriber.
    let got = json_of(
        call(
            &app,
            &token,
            Method::GET,
            &format!("{SUBSCRIBERS}/{id}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got, s);

    // Its licence is open from now, naming who holds it, at the customer's only location.
    let (open, email, located): (i64, Option<String>, bool) = sqlx::query_as(
        "SELECT count(*), max(la.email), bool_and(la.location_id IS NOT NULL) FROM license_assignments la
         WHERE la.subscriber_id = $1::uuid AND la.ended_at IS NULL",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (open, email.as_deref(), located),
        (1, Some("jo.park@acme-dental.example"), true)
    );

    // An end user gets a welcome email with the template's brand name (SPEC §13).
    let (subject, kind, body): (String, String, String) = sqlx::query_as(
        "SELECT subject, kind, body FROM email_outbox WHERE to_address = 'jo.park@acme-dental.example'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kind, "welcome");
    let brand: String = sqlx::query_scalar(
        "SELECT t.email_brand_name FROM orgs o JOIN onboarding_templates t ON t.id = o.template_id WHERE o.id = $1",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(subject, format!("Welcome to {brand}"));
    // With the managing partner's support address (its branding, SPEC §12).
    assert!(
        body.contains("Need help? https://support.northwind.example/"),
        "{body}"
    );

    // Audited as the partner admin's change to Acme Dental.
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM audit_log WHERE action = 'subscriber.create' AND target_org_id = '{acme}'")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn bad_input_is_refused_each_with_its_own_message_and_nothing_is_created() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    let before = count(&app, "SELECT count(*) FROM subscribers").await;
    let people = count(&app, "SELECT count(*) FROM people").await;
    let mut no_names = user(acme, "a1@acme-dental.example", "webex_meetings", None);
    no_names["provisioningParameters"] = json!({});
    let mut both = user(acme, "a2@acme-dental.example", "webex_meetings", None);
    both["package"] = json!("webex_meetings");
    let mut unknown_location = user(
        acme,
        "a4@acme-dental.example",
        "webex_calling",
        Some("2201"),
    );
    unknown_location["provisioningParameters"]["locationId"] = json!(Uuid::new_v4());
    // Bluebird's own first admin: an email of another customer.
    let bluebird_admin: String =
        sqlx::query_scalar("SELECT p.email::text FROM people p WHERE p.org_id = $1 LIMIT 1")
            .bind(bluebird)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        ("no names", no_names, StatusCode::BAD_REQUEST, "first name"),
        (
            "package and packages",
            both,
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            "a calling package without a number",
            user(acme, "a3@acme-dental.example", "webex_calling", None),
            StatusCode::BAD_REQUEST,
            "phone number, an extension",
        ),
        (
            "an unknown location",
            unknown_location,
            StatusCode::BAD_REQUEST,
            "not a location",
        ),
        (
            "an email of another customer",
            user(acme, &bluebird_admin, "webex_meetings", None),
            StatusCode::BAD_REQUEST,
            EMAIL_IN_USE,
        ),
        (
            "an unknown package",
            user(acme, "a5@acme-dental.example", "gold", None),
            StatusCode::BAD_REQUEST,
            "not a package",
        ),
        (
            "a workspace package",
            user(acme, "a6@acme-dental.example", "common_area_calling", None),
            StatusCode::BAD_REQUEST,
            "workspaces",
        ),
        (
            "a package the customer does not have",
            user(acme, "a7@acme-dental.example", "webex_suite", Some("2207")),
            StatusCode::BAD_REQUEST,
            "does not have Webex Suite",
        ),
        (
            "an extension already taken",
            user(
                acme,
                "a8@acme-dental.example",
                "webex_calling",
                Some("2001"),
            ),
            StatusCode::CONFLICT,
            "already assigned",
        ),
    ];
    for (what, body, status, says) in cases {
        let r = call(&app, &token, Method::POST, SUBSCRIBERS, Some(&body)).await;
        let got = json_of(r, status).await;
        let all = descriptions(&got).join(" | ");
        assert!(all.contains(says), "{what}: {all}");
    }
    // The vendor's 10022 for the email in use.
    let r = call(
        &app,
        &token,
        Method::POST,
        SUBSCRIBERS,
        Some(&user(acme, CUSTOMER_ADMIN, "webex_meetings", None)),
    )
    .await;
    let body = json_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["errorCode"] == 10022),
        "{body}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM subscribers").await,
        before
    );
    assert_eq!(count(&app, "SELECT count(*) FROM people").await, people);
}

#[tokio::test]
async fn two_admins_adding_the_last_seat_at_once_get_it_exactly_once() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let wholesale = token_for(&app, WHOLESALE_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    // One seat of Webex Meetings left.
    let held = count(
        &app,
        &format!("SELECT count(*) FROM subscribers WHERE customer_org_id = '{acme}' AND package = 'webex_meetings'"),
    )
    .await;
    sqlx::query("UPDATE customer_packages SET quantity = $2 WHERE org_id = $1 AND package = 'webex_meetings'")
        .bind(acme)
        .bind(i32::try_from(held + 1).unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    let a = user(acme, "seat.a@acme-dental.example", "webex_meetings", None);
    let b = user(acme, "seat.b@acme-dental.example", "webex_meetings", None);
    let (ra, rb) = tokio::join!(
        call(&app, &token, Method::POST, SUBSCRIBERS, Some(&a)),
        call(&app, &wholesale, Method::POST, SUBSCRIBERS, Some(&b)),
    );
    let mut statuses = [ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let refused = if ra.status() == StatusCode::CONFLICT {
        ra
    } else {
        rb
    };
    let body = json_of(refused, StatusCode::CONFLICT).await;
    assert!(
        descriptions(&body)
            .join(" ")
            .contains(&format!("limit is {}", held + 1)),
        "{body}"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM subscribers WHERE customer_org_id = '{acme}' AND package = 'webex_meetings'")
        )
        .await,
        held + 1
    );
}

/// Adds of an unlimited package to a customer that has its full admin run side by side
/// (a shared turn on the customer): all of them land, one email is still given once,
/// and in a customer without a full admin the adds take turns so exactly one becomes it.
#[tokio::test]
async fn adds_side_by_side_each_land_once_and_make_one_first_admin() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let quantity: Option<i32> = sqlx::query_scalar(
        "SELECT quantity FROM customer_packages WHERE org_id = $1 AND package = 'webex_meetings'",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(quantity, None, "the demo's Webex Meetings is unlimited");
    let distinct: Vec<Value> = (0..8)
        .map(|i| {
            user(
                acme,
                &format!("side.{i}@acme-dental.example"),
                "webex_meetings",
                None,
            )
        })
        .collect();
    let same = user(
        acme,
        "side.same@acme-dental.example",
        "webex_meetings",
        None,
    );
    let calls = distinct
        .iter()
        .chain(std::iter::repeat_n(&same, 4))
        .map(|body| call(&app, &token, Method::POST, SUBSCRIBERS, Some(body)));
    let answers = futures_util::future::join_all(calls).await;
    let statuses: Vec<StatusCode> = answers.iter().map(Response::status).collect();
    assert!(
        statuses[..8].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[8..]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count(),
        1,
        "{statuses:?}"
    );
    for (r, status) in answers.into_iter().zip(statuses).skip(8) {
        if status != StatusCode::OK {
            let body = json_of(r, StatusCode::BAD_REQUEST).await;
            assert!(
                descriptions(&body).join(" ").contains(EMAIL_IN_USE),
                "{body}"
            );
        }
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM people WHERE email LIKE 'side.%@acme-dental.example'"
        )
        .await,
        9
    );

    // A customer whose full admin is gone: the next user added becomes it, once.
    let delta = app.org_id("Delta Plumbing").await;
    sqlx::query("DELETE FROM role_assignments WHERE org_id = $1 AND role = 'customer_full_admin'")
        .bind(delta)
        .execute(&app.db)
        .await
        .unwrap();
    let firsts: Vec<Value> = (0..4)
        .map(|i| {
            user(
                delta,
                &format!("first.{i}@delta-plumbing.example"),
                "webex_meetings",
                None,
            )
        })
        .collect();
    let answers = futures_util::future::join_all(
        firsts
            .iter()
            .map(|body| call(&app, &token, Method::POST, SUBSCRIBERS, Some(body))),
    )
    .await;
    assert!(answers.iter().all(|r| r.status() == StatusCode::OK));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM role_assignments WHERE org_id = '{delta}' AND role = 'customer_full_admin'")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_package_change_ends_one_licence_and_opens_the_next_at_the_same_instant() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let s = create(
        &app,
        &token,
        &user(acme, "mover@acme-dental.example", "webex_meetings", None),
    )
    .await;
    let one = format!("{SUBSCRIBERS}/{}", s["id"].as_str().unwrap());

    // Meetings → Calling needs the calling number (SPEC §5).
    let r = call(
        &app,
        &token,
        Method::PUT,
        &one,
        Some(&json!({"packages": ["webex_calling"]})),
    )
    .await;
    let body = json_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        descriptions(&body)
            .join(" ")
            .contains("calling package needs"),
        "{body}"
    );

    let r = call(
        &app,
        &token,
        Method::PUT,
        &one,
        Some(&json!({"packages": ["webex_calling"], "provisioningParameters": {"extension": "2301"}})),
    )
    .await;
    let changed = json_of(r, StatusCode::OK).await;
    assert_matches("Subscriber", &changed);
    assert_eq!(changed["package"], "webex_calling");

    let rows: Vec<(String, time::OffsetDateTime, Option<time::OffsetDateTime>)> = sqlx::query_as(
        "SELECT package, started_at, ended_at FROM license_assignments WHERE subscriber_id = $1::uuid ORDER BY started_at, ended_at NULLS LAST",
    )
    .bind(s["id"].as_str().unwrap())
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "webex_meetings");
    assert_eq!(rows[1].0, "webex_calling");
    assert_eq!(rows[0].2, Some(rows[1].1), "no gap and no overlap");
    assert_eq!(rows[1].2, None);

    // The history is append-only: a written start cannot be moved, a row not deleted.
    for sql in [
        "UPDATE license_assignments SET started_at = started_at - interval '1 day' WHERE subscriber_id = $1::uuid",
        "DELETE FROM license_assignments WHERE subscriber_id = $1::uuid",
    ] {
        let e = sqlx::query(sql)
            .bind(s["id"].as_str().unwrap())
            .execute(&app.db)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }

    // The customer's full admin (Carla, Webex Calling) cannot be lowered to Meetings.
    let carla: Uuid = sqlx::query_scalar(
        "SELECT s.id FROM subscribers s JOIN people p ON p.id = s.person_id WHERE p.email = $1",
    )
    .bind(CUSTOMER_ADMIN)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let r = call(
        &app,
        &token,
        Method::PUT,
        &format!("{SUBSCRIBERS}/{carla}"),
        Some(&json!({"package": "webex_meetings"})),
    )
    .await;
    let body = json_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        descriptions(&body).join(" ").contains("cannot be lowered"),
        "{body}"
    );
}

#[tokio::test]
async fn delete_ends_the_licence_frees_the_email_and_answers_204() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let s = create(
        &app,
        &token,
        &user(acme, "leaver@acme-dental.example", "webex_meetings", None),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let one = format!("{SUBSCRIBERS}/{id}");
    let r = call(&app, &token, Method::DELETE, &one, None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    json_of(
        call(&app, &token, Method::GET, &one, None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let (ended, email): (bool, Option<String>) = sqlx::query_as(
        "SELECT bool_and(ended_at IS NOT NULL), max(email) FROM license_assignments WHERE person_id = $1::uuid",
    )
    .bind(s["personId"].as_str().unwrap())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(ended);
    assert_eq!(email.as_deref(), Some("leaver@acme-dental.example"));
    // The email is free again.
    create(
        &app,
        &token,
        &user(acme, "leaver@acme-dental.example", "webex_meetings", None),
    )
    .await;
}

#[tokio::test]
async fn the_list_filters_sorts_and_links_the_next_page() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let a = create(
        &app,
        &token,
        &user(acme, "list.a@acme-dental.example", "webex_meetings", None),
    )
    .await;
    let b = create(
        &app,
        &token,
        &user(acme, "list.b@acme-dental.example", "webex_meetings", None),
    )
    .await;

    let by_email = json_of(
        call(
            &app,
            &token,
            Method::GET,
            &format!("{SUBSCRIBERS}?email=LIST.A@acme-dental.example"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_matches("SubscriberListResponse", &by_email);
    assert_eq!(by_email["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_email["items"][0]["id"], a["id"]);

    // Newest first, one per page, with a Link to the next.
    let r = call(
        &app,
        &token,
        Method::GET,
        &format!("{SUBSCRIBERS}?customerId={acme}&sortBy=created&sortOrder=DESC&max=1"),
        None,
    )
    .await;
    let link = r
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    let first = json_of(r, StatusCode::OK).await;
    assert_eq!(first["items"][0]["id"], b["id"]);
    let link = link.expect("a Link to the next page");
    assert!(
        link.contains("rel=\"next\"") && link.contains("offset=1"),
        "{link}"
    );

    // Only those created after a's creation instant: b.
    let after = json_of(
        call(
            &app,
            &token,
            Method::GET,
            &format!(
                "{SUBSCRIBERS}?customerId={acme}&after={}",
                a["created"].as_str().unwrap()
            ),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&Value> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert!(
        ids.contains(&&b["id"]) && !ids.contains(&&a["id"]),
        "{after}"
    );

    for bad in [
        "status=gone",
        "sortBy=name",
        "sortOrder=up",
        "after=soon",
        "customerId=x",
        "max=0",
    ] {
        let r = call(
            &app,
            &token,
            Method::GET,
            &format!("{SUBSCRIBERS}?{bad}"),
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // Above the cap, max is capped (SPEC §9), not refused.
    let r = call(
        &app,
        &token,
        Method::GET,
        &format!("{SUBSCRIBERS}?max=101"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn other_tenants_get_404_and_a_parent_acts_for_its_sub_partner() {
    let app = spawn_app().await;
    let northwind = token_for(&app, PARTNER_ADMIN).await;
    let southwind = token_for(&app, RESELLER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let s = create(
        &app,
        &northwind,
        &user(acme, "mine@acme-dental.example", "webex_meetings", None),
    )
    .await;
    let one = format!("{SUBSCRIBERS}/{}", s["id"].as_str().unwrap());
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({"packages": ["webex_meetings"]}))),
        (Method::DELETE, None),
    ] {
        let r = call(&app, &southwind, method.clone(), &one, body.as_ref()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method}");
    }
    let r = call(
        &app,
        &southwind,
        Method::POST,
        SUBSCRIBERS,
        Some(&user(
            acme,
            "theirs@acme-dental.example",
            "webex_meetings",
            None,
        )),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let listed = json_of(
        call(&app, &southwind, Method::GET, SUBSCRIBERS, None).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["customerId"] == acme.to_string()),
        "{listed}"
    );

    // Northwind provisions a user of one of Southwind's customers, on its behalf.
    let southwind_org = app.org_id("Southwind Reseller").await;
    let theirs: Uuid = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE onboarded_by = $1 AND status = 'provisioned' ORDER BY name LIMIT 1",
    )
    .bind(southwind_org)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let on_behalf = format!("{SUBSCRIBERS}?onBehalfOfSubPartnerOrgId={southwind_org}");
    let r = call(
        &app,
        &northwind,
        Method::POST,
        &on_behalf,
        Some(&user(
            theirs,
            "onbehalf@southwind-customer.example",
            "webex_meetings",
            None,
        )),
    )
    .await;
    let made = json_of(r, StatusCode::OK).await;
    assert_eq!(made["customerId"], theirs.to_string());
    // Without acting for Southwind, Northwind does not reach Southwind's customer.
    let r = call(
        &app,
        &northwind,
        Method::POST,
        SUBSCRIBERS,
        Some(&user(
            theirs,
            "direct@southwind-customer.example",
            "webex_meetings",
            None,
        )),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_precheck_reports_success_or_the_email_in_use_and_changes_nothing() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let readonly = token_for(&app, PARTNER_READONLY).await;
    let acme = app.org_id("Acme Dental").await;
    let before = count(&app, "SELECT count(*) FROM people").await;
    let ok = json_of(
        call(
            &app,
            &token,
            Method::POST,
            VALIDATE,
            Some(&json!({"customerId": acme, "email": "new.one@acme-dental.example", "packages": ["webex_meetings"]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ok["message"], "success");
    assert_eq!(ok["info"][0]["infoCode"], 100);
    let taken = json_of(
        call(
            &app,
            &token,
            Method::POST,
            VALIDATE,
            Some(&json!({"email": CUSTOMER_ADMIN})),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        taken["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["errorCode"] == 10022),
        "{taken}"
    );
    let r = call(
        &app,
        &readonly,
        Method::POST,
        VALIDATE,
        Some(&json!({"email": "x@y.example"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM people").await, before);
}
