//! `/v1/wholesale/customers` (SPEC §9.1, §9.3): provisioning through the API end to end
//! (202 + Location, the background job, the vendor's shapes), the list's filters and
//! paging, input refused field by field, update and delete, tenancy, the precheck, the
//! OpenAPI document — and a provisioning job whose worker died, finished exactly once.
//! Every customer and list body is checked against the vendor's own schemas
//! (`reference/webex-wholesale-openapi.json`, a copy of shared/reference), made strict:
//! no field the vendor's schema does not have.

use std::collections::BTreeSet;
use std::time::{Duration as StdDuration, Instant};

use reqwest::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use wholesale_hub::jobs::Worker;
use wholesale_hub::jobs::queue;
use wholesale_hub::jobs::worker::JobContext;

use crate::common::*;

const CUSTOMERS: &str = "/v1/wholesale/customers";
const VALIDATE: &str = "/v1/wholesale/customers/validate";
const EMAIL_IN_USE: &str = "The email is already associated with an existing user.";

// ── The vendor's schemas ────────────────────────────────────────────────────────────

const REFERENCE: &str = include_str!("reference/webex-wholesale-openapi.json");
const OPENAPI_30_SCHEMA: &str = include_str!("reference/openapi-3.0-schema.json");

fn reference() -> Value {
    serde_json::from_str(REFERENCE).unwrap()
}

/// A component schema with every `$ref` inlined, and strict: an object with declared
/// properties accepts no others.
fn strict(schema: &Value, components: &Map<String, Value>) -> Value {
    match schema {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                let name = r.rsplit('/').next().unwrap();
                return strict(&components[name], components);
            }
            let mut out: Map<String, Value> = o
                .iter()
                .map(|(k, v)| (k.clone(), strict(v, components)))
                .collect();
            if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| strict(v, components)).collect()),
        other => other.clone(),
    }
}

/// Panics unless `body` is an instance of the vendor's schema `name`.
pub(crate) fn assert_matches(name: &str, body: &Value) {
    let doc = reference();
    let components = doc["components"]["schemas"].as_object().unwrap();
    let schema = strict(&components[name], components);
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a vendor {name}: {errors:#?}\n{body:#}"
    );
}

// ── Calls ───────────────────────────────────────────────────────────────────────────

async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.api_call(Some(token), Method::GET, path, None).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> Response {
    app.api_call(Some(token), Method::POST, path, Some(body))
        .await
}

async fn put(app: &TestApp, token: &str, id: Uuid, body: &Value) -> Response {
    app.api_call(
        Some(token),
        Method::PUT,
        &format!("{CUSTOMERS}/{id}"),
        Some(body),
    )
    .await
}

/// The descriptions of an error body's entries.
fn descriptions(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts a 400 with an entry naming `field`; returns the body.
async fn refused_naming(r: Response, field: &str) -> Value {
    let body = error_body(r, StatusCode::BAD_REQUEST).await;
    assert!(
        descriptions(&body)
            .iter()
            .any(|d| d.starts_with(&format!("{field}: "))),
        "no error names {field}: {body:#}"
    );
    body
}

fn address(country: &str) -> Value {
    match country {
        "GB" => {
            json!({"addressLine1": "10 Downing Street", "city": "London", "zipOrPostalCode": "SW1A 2AA", "country": "GB"})
        }
        "IN" => {
            json!({"addressLine1": "1 MG Road", "city": "Bengaluru", "zipOrPostalCode": "560001", "country": "IN"})
        }
        _ => {
            json!({"addressLine1": "771 Alder Drive", "addressLine2": "Suite 5", "city": "Milpitas",
                    "stateOrProvince": "CA", "zipOrPostalCode": "95035", "country": "US"})
        }
    }
}

/// A valid provisioning request in the vendor's shape.
fn new_customer(provisioning_id: &str, tag: &str) -> Value {
    json!({
        "provisioningId": provisioning_id,
        "packages": ["webex_calling", "webex_meetings"],
        "externalId": format!("api-{tag}"),
        "address": address("US"),
        "customerInfo": {
            "name": format!("Alder Dental {tag}"),
            "primaryEmail": format!("owner.{tag}@alder-dental.example"),
            "language": "en"
        },
        "provisioningParameters": {
            "calling": {"location": {
                "name": "Head Office",
                "address": address("US"),
                "timezone": "America/Los_Angeles",
                "language": "en_US",
                "emergencyLocationIdentifier": "95547321"
            }},
            "meetings": {"timezone": "America/Los_Angeles"}
        },
        "someFieldTheVendorMayAddLater": {"ignored": true}
    })
}

/// Posts a customer; checks the 202, `Location` and `{"url"}`; returns its id.
async fn create(app: &TestApp, token: &str, body: &Value) -> Uuid {
    create_at(app, token, CUSTOMERS, body).await
}

async fn create_at(app: &TestApp, token: &str, path: &str, body: &Value) -> Uuid {
    let r = post(app, token, path, body).await;
    let location = location(&r);
    let body = json_of(r, StatusCode::ACCEPTED).await;
    assert_matches("ResourceURL", &body);
    assert_eq!(body["url"], location, "the body's url is the Location");
    let prefix = format!("{}{CUSTOMERS}/", app.address);
    let id = location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{location} is not under {prefix}"));
    Uuid::parse_str(id).unwrap()
}

/// GETs a customer (checked against the vendor's `Customer`).
async fn customer(app: &TestApp, token: &str, id: Uuid) -> Value {
    let body = json_of(
        get(app, token, &format!("{CUSTOMERS}/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_matches("Customer", &body);
    body
}

/// The statuses a customer has while one of its jobs is due.
const JOB_OWNED: [&str; 3] = ["provisioning", "updating", "deleting"];

/// Runs the due jobs; the customer has then left the job-owned statuses.
async fn settled(app: &TestApp, token: &str, id: Uuid) -> Value {
    app.run_due_jobs().await;
    let c = customer(app, token, id).await;
    let status = c["status"].as_str().unwrap_or_default();
    assert!(
        !JOB_OWNED.contains(&status),
        "customer {id} still {status} once its jobs ran"
    );
    c
}

/// Polls a customer until its status leaves the job-owned ones, while a real worker
/// (not the test) runs the jobs.
async fn settled_by_worker(app: &TestApp, token: &str, id: Uuid) -> Value {
    let deadline = Instant::now() + StdDuration::from_secs(30);
    loop {
        let c = customer(app, token, id).await;
        let status = c["status"].as_str().unwrap_or_default().to_string();
        if !JOB_OWNED.contains(&status.as_str()) {
            return c;
        }
        assert!(
            Instant::now() < deadline,
            "customer {id} still {status} after 30 s"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

/// Reads a list page (checked against the vendor's `CustomerListResponse`).
async fn list_page(app: &TestApp, token: &str, path: &str) -> (Vec<Value>, Option<String>) {
    let r = get(app, token, path).await;
    let next = r.headers().get("link").map(|v| {
        let v = v.to_str().unwrap();
        assert!(v.ends_with(">; rel=\"next\""), "{v}");
        v[1..v.len() - ">; rel=\"next\"".len()].to_string()
    });
    let body = json_of(r, StatusCode::OK).await;
    assert_matches("CustomerListResponse", &body);
    (body["items"].as_array().unwrap().clone(), next)
}

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn org_ids(app: &TestApp, names: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for n in names {
        out.insert(app.org_id(n).await.to_string());
    }
    out
}

async fn count(app: &TestApp, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn totals(app: &TestApp) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM orgs), (SELECT count(*) FROM jobs)")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn package<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["resourceDetails"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name} in {c:#}"))
}

// ── Provisioning ────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn a_customer_posted_to_the_api_is_accepted_and_ends_provisioned() {
    let app = spawn_app().await;
    let token = token_for(&app, WHOLESALE_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let id = create(&app, &token, &new_customer(&prov, "a1")).await;

    let c = settled(&app, &token, id).await;
    assert_eq!(c["status"], "provisioned", "{c:#}");
    assert_eq!(c["id"], id.to_string());
    assert_eq!(c["orgId"], id.to_string(), "orgId once provisioned");
    assert_eq!(c["externalId"], "api-a1");
    assert_eq!(c["address"], address("US"));
    assert_eq!(c["packages"], json!(["webex_calling", "webex_meetings"]));
    for p in ["webex_calling", "webex_meetings"] {
        let p = package(&c, p);
        assert_eq!(p["status"], "provisioned");
        assert_eq!(p["errors"], json!([]));
        assert_eq!(p["warnings"], json!([]));
        assert!(p.get("licenseIds").is_none(), "only when asked for");
    }
    assert_eq!(c["errors"], json!([]));

    let (sip_domain, call_in): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT sip_domain, call_in_number FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let sip_domain = sip_domain.expect("a SIP domain");
    assert!(
        sip_domain.starts_with("alder-dental-a1-") && sip_domain.ends_with(".calls.example"),
        "{sip_domain}"
    );
    assert!(call_in.is_some(), "a default call-in number");
    let (name, timezone, hq): (String, String, bool) =
        sqlx::query_as("SELECT name, timezone, is_headquarters FROM locations WHERE org_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), timezone.as_str(), hq),
        ("Head Office", "America/Los_Angeles", true)
    );

    // The compliance check ran in the background too.
    let (check, org): (String, String) = sqlx::query_as(
        "SELECT c.status, o.compliance_status FROM compliance_checks c JOIN orgs o ON o.id = c.org_id
         WHERE c.org_id = $1 AND c.trigger = 'creation'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((check.as_str(), org.as_str()), ("compliant", "compliant"));
    assert_eq!(app.audit_count("customer.create", "success").await, 1);

    // It shows in the list, found by its external id.
    let (items, _) = list_page(&app, &token, &format!("{CUSTOMERS}?externalId=api-a1")).await;
    assert_eq!(items, vec![c]);
}

#[tokio::test]
async fn a_pstn_vendor_that_does_not_serve_the_first_location_leaves_the_customer_in_error() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    // "Skyline PSTN" serves only the US and Canada.
    let prov = app.provisioning_id("EMEA with cloud PSTN").await;
    let mut body = new_customer(&prov, "gb1");
    body["address"] = address("GB");
    body["provisioningParameters"]["calling"]["location"]["address"] = address("GB");
    body["provisioningParameters"]["calling"]["location"]["timezone"] = json!("Europe/London");
    body["provisioningParameters"]["calling"]["location"]["language"] = json!("en_GB");
    body["provisioningParameters"]["meetings"]["timezone"] = json!("Europe/London");
    let id = create(&app, &token, &body).await;

    let c = settled(&app, &token, id).await;
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(c.get("orgId").is_none(), "not provisioned: no orgId");
    let errors = c["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    let reason = errors[0]["description"].as_str().unwrap();
    assert!(
        reason.contains("Skyline PSTN") && reason.contains("GB"),
        "{reason}"
    );
    let calling = package(&c, "webex_calling");
    assert_eq!(calling["status"], "error");
    assert!(!calling["errors"].as_array().unwrap().is_empty());
    let meetings = package(&c, "webex_meetings");
    assert_eq!(meetings["status"], "provisioned");
    assert_eq!(meetings["errors"], json!([]));
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_creates_nothing() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let southwinds = app.provisioning_id("Southwind default").await;
    let before = totals(&app).await;

    type Edit = Box<dyn Fn(&mut Value)>;
    let india: Edit = Box::new(|b: &mut Value| {
        b["address"] = address("IN");
        b["provisioningParameters"]["calling"]["location"]["address"] = address("IN");
        b["provisioningParameters"]["calling"]["location"]["timezone"] = json!("Asia/Kolkata");
    });
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "an unknown package",
            Box::new(|b: &mut Value| b["packages"] = json!(["webex_calling", "webex_gold"])),
            "packages",
        ),
        (
            "another partner's template",
            Box::new(move |b: &mut Value| b["provisioningId"] = json!(southwinds)),
            "provisioningId",
        ),
        (
            "an address line of 51 characters",
            Box::new(|b: &mut Value| b["address"]["addressLine1"] = json!("x".repeat(51))),
            "address.addressLine1",
        ),
        (
            "a name with %",
            Box::new(|b: &mut Value| b["customerInfo"]["name"] = json!("100% Dental")),
            "customerInfo.name",
        ),
        (
            "a time zone not on the list",
            Box::new(|b: &mut Value| {
                b["provisioningParameters"]["calling"]["location"]["timezone"] =
                    json!("Mars/Olympus_Mons")
            }),
            "provisioningParameters.calling.location.timezone",
        ),
        (
            "an unsupported locale",
            Box::new(|b: &mut Value| b["customerInfo"]["language"] = json!("xx_XX")),
            "customerInfo.language",
        ),
        (
            "a quantity of zero",
            Box::new(|b: &mut Value| {
                b["provisioningParameters"]["packages"] =
                    json!({"limits": {"webex_calling": 0, "webex_meetings": 5}})
            }),
            "provisioningParameters.packages.limits.webex_calling",
        ),
        ("a calling package in India", india, "packages"),
        (
            "Attendant Console alone",
            Box::new(|b: &mut Value| b["packages"] = json!(["attendant_console"])),
            "packages",
        ),
        (
            "an orgId (attaching is not supported yet)",
            Box::new(|b: &mut Value| b["orgId"] = json!(Uuid::new_v4().to_string())),
            "orgId",
        ),
        (
            "no address",
            Box::new(|b: &mut Value| {
                b.as_object_mut().unwrap().remove("address");
            }),
            "address",
        ),
        (
            "a billing start more than 90 days away",
            Box::new(|b: &mut Value| b["billingStartDate"] = json!("2099-01-01")),
            "billingStartDate",
        ),
        (
            "a quantity that is no whole number",
            Box::new(|b: &mut Value| {
                b["provisioningParameters"]["packages"] =
                    json!({"limits": {"webex_calling": 2.5, "webex_meetings": 5}})
            }),
            "provisioningParameters.packages.limits.webex_calling",
        ),
        (
            "a package list that is no list",
            Box::new(|b: &mut Value| b["packages"] = json!("webex_calling")),
            "body",
        ),
    ];
    for (case, edit, field) in cases {
        let mut body = new_customer(&prov, "bad");
        edit(&mut body);
        let r = post(&app, &token, CUSTOMERS, &body).await;
        let status = r.status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
        let body = refused_naming(r, field).await;
        if case.contains("India") {
            assert!(
                descriptions(&body).iter().any(|d| d.contains("India")),
                "{body}"
            );
        }
    }
    // Not JSON at all.
    let r = new_client()
        .post(app.url(CUSTOMERS))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"provisioningId\": ")
        .send()
        .await
        .unwrap();
    refused_naming(r, "body").await;
    assert_eq!(totals(&app).await, before, "nothing was created");
}

#[tokio::test]
async fn an_email_in_use_is_the_vendors_10022_and_a_duplicate_external_id_a_conflict() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let mut body = new_customer(&prov, "dup");
    body["customerInfo"]["primaryEmail"] = json!(CUSTOMER_ADMIN.to_uppercase());
    let error = error_body(
        post(&app, &token, CUSTOMERS, &body).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let entry = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["errorCode"] == 10022)
        .unwrap_or_else(|| panic!("no 10022: {error:#}"));
    // The vendor's exact text, as integrations match on it.
    assert_eq!(entry["description"], EMAIL_IN_USE);

    let mut body = new_customer(&prov, "dup2");
    body["externalId"] = json!("EXT-01000"); // Acme Dental's
    let error = error_body(
        post(&app, &token, CUSTOMERS, &body).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error["errors"][0]["errorCode"], 1409);
    assert!(descriptions(&error)[0].contains("EXT-01000"));
    assert_eq!(app.audit_count("customer.create", "success").await, 0);
}

/// Two creations racing for one email or external id: the second, whose checks ran
/// before the first committed, is refused by the unique index with the same message.
#[tokio::test]
async fn a_creation_racing_another_for_an_email_or_external_id_is_refused_like_a_duplicate() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let northwind = app.org_id("Northwind Telecom").await;
    for (field, tag) in [
        ("customerInfo.primaryEmail", "race1"),
        ("externalId", "race2"),
    ] {
        let body = new_customer(&prov, tag);
        // The first creation, not yet committed, holds the email or the external id.
        let mut first = app.db.begin().await.unwrap();
        let holder = app.backend_pid(&mut first).await;
        let (email, external) = if field == "externalId" {
            (None, body["externalId"].as_str())
        } else {
            (body["customerInfo"]["primaryEmail"].as_str(), None)
        };
        sqlx::query(
            "INSERT INTO orgs (id, kind, name, status, onboarded_by, primary_email, external_id)
             VALUES (gen_random_uuid(), 'customer', 'First Of Two', 'provisioning', $1, $2, $3)",
        )
        .bind(northwind)
        .bind(email)
        .bind(external)
        .execute(&mut *first)
        .await
        .unwrap();
        let second = {
            let (client, url, token, body) = (
                app.client.clone(),
                app.url(CUSTOMERS),
                token.clone(),
                body.clone(),
            );
            tokio::spawn(
                async move { client.post(url).bearer_auth(token).json(&body).send().await },
            )
        };
        // The second request's insert waits on the first transaction's index entry.
        let waiting = app.wait_until_blocked_by(holder).await;
        assert!(
            !second.is_finished(),
            "the second answered while its insert waited (backend {waiting})"
        );
        first.commit().await.unwrap();
        let r = second.await.unwrap().unwrap();
        if field == "externalId" {
            // A conflict, as for an external id seen in use at once.
            let error = error_body(r, StatusCode::CONFLICT).await;
            assert_eq!(error["errors"][0]["errorCode"], 1409, "{error:#}");
            assert!(descriptions(&error).iter().any(|d| d.contains("api-race2")));
        } else {
            // The vendor's 10022 and exact text, as for an email seen in use at once.
            let error = error_body(r, StatusCode::BAD_REQUEST).await;
            assert_eq!(error["errors"][0]["errorCode"], 10022, "{error:#}");
            assert_eq!(error["errors"][0]["description"], EMAIL_IN_USE);
        }
    }
    assert_eq!(app.audit_count("customer.create", "success").await, 0);
}

/// While the job queue holds more due work than the workers keep up with, creations are
/// refused with 429 and Retry-After, and nothing is created; once it drains they pass.
#[tokio::test]
async fn creations_wait_with_429_while_the_job_queue_is_full() {
    let app = spawn_app().await; // no worker: the queue stays as the test makes it
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    fill_job_queue(&app).await;
    let body = new_customer(&prov, "busy");
    let r = post(&app, &token, CUSTOMERS, &body).await;
    assert_eq!(r.headers()["retry-after"], "2");
    let error = error_body(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(descriptions(&error)[0].contains("nothing was created"));
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orgs WHERE name = 'Alder Dental busy'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(created, 0);

    // The workers catch up; after the reading's second has passed, creations pass.
    drain_job_queue(&app).await;
    create(&app, &token, &body).await;
}

// ── Reading ─────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn the_list_filters_by_external_id_org_and_status_and_links_the_next_page() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_READONLY).await;
    let acme = app.org_id("Acme Dental").await;

    let (all, next) = list_page(&app, &token, CUSTOMERS).await;
    assert_eq!(all.len(), 25, "Northwind's own customers, one page");
    assert_eq!(next, None);
    assert!(!ids(&all).contains(&app.org_id("Aurora Salon").await.to_string()));

    let (one, _) = list_page(&app, &token, &format!("{CUSTOMERS}?externalId=EXT-01000")).await;
    assert_eq!(ids(&one), BTreeSet::from([acme.to_string()]));
    let (one, _) = list_page(&app, &token, &format!("{CUSTOMERS}?orgId={acme}")).await;
    assert_eq!(ids(&one), BTreeSet::from([acme.to_string()]));
    let (none, _) = list_page(&app, &token, &format!("{CUSTOMERS}?externalId=nope")).await;
    assert!(none.is_empty());

    let unfinished = org_ids(
        &app,
        &["Kestrel Logistics", "Harbor Realty", "Umber Coffee"],
    )
    .await;
    for q in [
        "status=error,provisioning",
        "status=error&status=provisioning",
        "status=error%2Cprovisioning",
    ] {
        let (items, _) = list_page(&app, &token, &format!("{CUSTOMERS}?{q}")).await;
        assert_eq!(ids(&items), unfinished, "{q}");
    }
    refused_naming(
        get(&app, &token, &format!("{CUSTOMERS}?status=sleeping")).await,
        "status",
    )
    .await;
    refused_naming(
        get(&app, &token, &format!("{CUSTOMERS}?orgId=not-an-id")).await,
        "orgId",
    )
    .await;

    // Pages of 10, linked by the full URL of the next one.
    let mut seen = BTreeSet::new();
    let mut url = format!("{CUSTOMERS}?max=10");
    let mut pages = 0;
    loop {
        let (items, next) = list_page(&app, &token, &url).await;
        pages += 1;
        assert!(items.len() <= 10);
        seen.extend(ids(&items));
        match next {
            Some(n) => {
                assert_eq!(
                    n,
                    format!("{}{CUSTOMERS}?max=10&offset={}", app.address, pages * 10)
                );
                url = n;
            }
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, ids(&all)));
    // `max` is capped at 100.
    let (capped, _) = list_page(&app, &token, &format!("{CUSTOMERS}?max=1000")).await;
    assert_eq!(capped.len(), 25);
}

#[tokio::test]
async fn licence_ids_are_shown_per_package_when_asked_for() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let plain = customer(&app, &token, acme).await;
    assert_eq!(plain["status"], "provisioned");
    for p in plain["resourceDetails"]["packages"].as_array().unwrap() {
        assert!(p.get("licenseIds").is_none(), "{p}");
    }
    let with = json_of(
        get(
            &app,
            &token,
            &format!("{CUSTOMERS}/{acme}?includePackageLicenseInfo=true"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_matches("Customer", &with);
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT license_id FROM license_assignments
         WHERE customer_org_id = $1 AND package = 'webex_calling' AND ended_at IS NULL AND license_id IS NOT NULL",
    )
    .bind(acme)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!open.is_empty());
    let shown: BTreeSet<String> = package(&with, "webex_calling")["licenseIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, open.into_iter().collect());
    // The demo's lobby phone holds its workspace licence from the day it was set up.
    let workspaces: Vec<String> = sqlx::query_scalar(
        "SELECT license_id FROM license_assignments
         WHERE customer_org_id = $1 AND package = 'common_area_calling' AND ended_at IS NULL",
    )
    .bind(acme)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!workspaces.is_empty());
    assert_eq!(
        package(&with, "common_area_calling")["licenseIds"],
        json!(workspaces)
    );
}

// ── Tenancy and roles ───────────────────────────────────────────────────────────────

#[tokio::test]
async fn a_sub_partner_never_sees_the_parents_customers_and_the_parent_acts_for_it_on_behalf() {
    let app = spawn_app().await;
    let reseller = token_for(&app, RESELLER_ADMIN).await;
    let parent = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let aurora = app.org_id("Aurora Salon").await;
    let southwind = app.org_id("Southwind Reseller").await;
    let southwinds = org_ids(
        &app,
        &[
            "Aurora Salon",
            "Birch Bicycles",
            "Copper Kettle Diner",
            "Dune Surf Shop",
            "Ember Fitness",
        ],
    )
    .await;

    let (items, _) = list_page(&app, &reseller, CUSTOMERS).await;
    assert_eq!(ids(&items), southwinds);
    let (items, _) = list_page(&app, &reseller, &format!("{CUSTOMERS}?orgId={acme}")).await;
    assert!(items.is_empty(), "the parent's customer is not there");
    let acme_path = format!("{CUSTOMERS}/{acme}");
    error_body(
        get(&app, &reseller, &acme_path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_body(
        put(
            &app,
            &reseller,
            acme,
            &json!({"packages": ["webex_meetings"]}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_body(
        app.api_call(Some(&reseller), Method::DELETE, &acme_path, None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Whatever the body: existence does not leak through a 400.
    error_body(
        app.api_call(Some(&reseller), Method::PUT, &acme_path, None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The parent does not see its sub-partner's customers directly...
    error_body(
        get(&app, &parent, &format!("{CUSTOMERS}/{aurora}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // ...but does on its behalf, and may provision for it.
    let on_behalf = format!("onBehalfOfSubPartnerOrgId={southwind}");
    let (items, _) = list_page(&app, &parent, &format!("{CUSTOMERS}?{on_behalf}")).await;
    assert_eq!(ids(&items), southwinds);
    let c = customer_on_behalf(&app, &parent, aurora, &on_behalf).await;
    assert_eq!(c["id"], aurora.to_string());
    let prov = app.provisioning_id("Southwind default").await;
    let id = create_at(
        &app,
        &parent,
        &format!("{CUSTOMERS}?{on_behalf}"),
        &new_customer(&prov, "sw1"),
    )
    .await;
    let onboarded_by: Option<Uuid> =
        sqlx::query_scalar("SELECT onboarded_by FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(onboarded_by, Some(southwind));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM org_relationships WHERE managed_org_id = $1 AND relation = 'parent_of_sub_partner_customer'",
            id
        )
        .await,
        1,
        "the parent manages its sub-partner's new customer too"
    );
    // The sub-partner sees it; Northwind's own list does not hold it.
    let (items, _) = list_page(&app, &reseller, CUSTOMERS).await;
    assert!(ids(&items).contains(&id.to_string()));
    let (items, _) = list_page(&app, &parent, CUSTOMERS).await;
    assert!(!ids(&items).contains(&id.to_string()));
}

async fn customer_on_behalf(app: &TestApp, token: &str, id: Uuid, on_behalf: &str) -> Value {
    let body = json_of(
        get(app, token, &format!("{CUSTOMERS}/{id}?{on_behalf}")).await,
        StatusCode::OK,
    )
    .await;
    assert_matches("Customer", &body);
    body
}

#[tokio::test]
async fn read_only_tokens_read_and_customer_tokens_are_refused() {
    let app = spawn_app().await;
    let ro = token_for(&app, PARTNER_READONLY).await;
    let acme = app.org_id("Acme Dental").await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let acme_path = format!("{CUSTOMERS}/{acme}");
    assert_eq!(get(&app, &ro, CUSTOMERS).await.status(), StatusCode::OK);
    assert_eq!(get(&app, &ro, &acme_path).await.status(), StatusCode::OK);
    let before = totals(&app).await;
    for r in [
        post(&app, &ro, CUSTOMERS, &new_customer(&prov, "ro")).await,
        post(&app, &ro, VALIDATE, &json!({"address": address("US")})).await,
        put(&app, &ro, acme, &json!({"packages": ["webex_meetings"]})).await,
        app.api_call(Some(&ro), Method::DELETE, &acme_path, None)
            .await,
        // Even with a body that is not JSON: the role is decided first.
        new_client()
            .post(app.url(CUSTOMERS))
            .bearer_auth(&ro)
            .body("nonsense")
            .send()
            .await
            .unwrap(),
    ] {
        let body = error_body(r, StatusCode::FORBIDDEN).await;
        assert_eq!(body["errors"][0]["errorCode"], 1403);
    }
    let customer_admin = token_for(&app, CUSTOMER_ADMIN).await;
    error_body(
        get(&app, &customer_admin, &acme_path).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_body(
        get(&app, &customer_admin, CUSTOMERS).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_body(
        app.api_call(None, Method::GET, CUSTOMERS, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(totals(&app).await, before, "nothing changed");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM orgs WHERE id = $1 AND status = 'provisioned'",
            acme
        )
        .await,
        1
    );
}

// ── The pre-provisioning check ──────────────────────────────────────────────────────

#[tokio::test]
async fn the_precheck_reports_success_or_what_is_wrong_and_changes_nothing() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let before = totals(&app).await;

    // The vendor's own minimal example: an address and an email.
    let minimal = json!({"address": address("US"), "customerInfo": {"primaryEmail": "new.owner@fresh.example"}});
    let ok = json_of(post(&app, &token, VALIDATE, &minimal).await, StatusCode::OK).await;
    assert_eq!(
        ok,
        json!({"message": "success", "info": [{"infoCode": 100, "description": "Provisioning preCheck validation successful."}]})
    );
    // A complete, valid request passes too.
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let full = new_customer(&prov, "pre");
    assert_eq!(
        post(&app, &token, VALIDATE, &full).await.status(),
        StatusCode::OK
    );

    let in_use =
        json!({"address": address("US"), "customerInfo": {"primaryEmail": CUSTOMER_ADMIN}});
    let error = error_body(
        post(&app, &token, VALIDATE, &in_use).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error["errors"][0]["errorCode"], 10022, "{error:#}");
    assert!(descriptions(&error)[0].ends_with(EMAIL_IN_USE));

    refused_naming(
        post(
            &app,
            &token,
            VALIDATE,
            &json!({"customerInfo": {"primaryEmail": "x@y.example"}}),
        )
        .await,
        "address",
    )
    .await;
    let mut long = minimal.clone();
    long["address"]["addressLine1"] = json!("y".repeat(51));
    refused_naming(
        post(&app, &token, VALIDATE, &long).await,
        "address.addressLine1",
    )
    .await;
    let mut bad = full.clone();
    bad["packages"] = json!(["attendant_console"]);
    refused_naming(post(&app, &token, VALIDATE, &bad).await, "packages").await;

    // Partner full admins only.
    for who in [PARTNER_READONLY, WHOLESALE_ADMIN, CUSTOMER_ADMIN] {
        let t = token_for(&app, who).await;
        error_body(
            post(&app, &t, VALIDATE, &minimal).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(totals(&app).await, before, "the precheck changes nothing");
}

// ── Update and delete ───────────────────────────────────────────────────────────────

async fn add_users(app: &TestApp, org: Uuid, package: &str, n: usize) {
    for i in 0..n {
        let person = Uuid::new_v4();
        sqlx::query("INSERT INTO people (id, org_id, email, first_name, last_name) VALUES ($1, $2, $3, 'U', $4)")
            .bind(person)
            .bind(org)
            .bind(format!("user{i}.{person}@users.example"))
            .bind(format!("{i}"))
            .execute(&app.db)
            .await
            .unwrap();
        sqlx::query("INSERT INTO subscribers (id, person_id, customer_org_id, package, status) VALUES ($1, $2, $3, $4, 'provisioned')")
            .bind(Uuid::new_v4())
            .bind(person)
            .bind(org)
            .bind(package)
            .execute(&app.db)
            .await
            .unwrap();
    }
}

async fn quantities(app: &TestApp, org: Uuid) -> Vec<(String, Option<i32>)> {
    sqlx::query_as(
        "SELECT package, quantity FROM customer_packages WHERE org_id = $1 ORDER BY package",
    )
    .bind(org)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn put_replaces_the_package_list_and_never_lowers_a_quantity_below_what_is_assigned() {
    let app = spawn_app().await;
    let token = token_for(&app, WHOLESALE_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let mut body = new_customer(&prov, "q1");
    body["provisioningParameters"]["packages"] =
        json!({"limits": {"webex_calling": 5, "webex_meetings": 5}});
    let id = create(&app, &token, &body).await;
    assert_eq!(settled(&app, &token, id).await["status"], "provisioned");
    // Three users beside the administrator, who holds Webex Calling (`customer_admin`).
    add_users(&app, id, "webex_calling", 3).await;

    let limits = |l: Value| json!({"packages": {"limits": l}});
    let r = put(
        &app,
        &token,
        id,
        &json!({"packages": ["webex_calling", "webex_meetings"],
                "provisioningParameters": limits(json!({"webex_calling": 2}))}),
    )
    .await;
    let error = refused_naming(r, "provisioningParameters.packages.limits.webex_calling").await;
    assert!(
        descriptions(&error)
            .iter()
            .any(|d| d.contains("4 are assigned")),
        "{error:#}"
    );
    let r = put(&app, &token, id, &json!({"packages": ["webex_meetings"]})).await;
    let error = refused_naming(r, "packages").await;
    assert!(
        descriptions(&error)
            .iter()
            .any(|d| d.contains("Webex Calling cannot be removed")
                && d.contains("full administrator, owner.q1@alder-dental.example, holds it")
                && d.contains("also assigned to 3 other users")),
        "{error:#}"
    );
    refused_naming(
        put(&app, &token, id, &json!({"externalId": "x"})).await,
        "packages",
    )
    .await;
    // Quantities once on stay on: a new package needs one.
    refused_naming(
        put(
            &app,
            &token,
            id,
            &json!({"packages": ["webex_calling", "webex_suite"]}),
        )
        .await,
        "provisioningParameters.packages.limits.webex_suite",
    )
    .await;
    assert_eq!(
        quantities(&app, id).await,
        [
            ("webex_calling".into(), Some(5)),
            ("webex_meetings".into(), Some(5))
        ],
        "refused changes change nothing"
    );

    // The list sent is complete: webex_meetings goes, webex_suite comes.
    let r = put(
        &app,
        &token,
        id,
        &json!({"packages": ["webex_calling", "webex_suite"], "externalId": "api-q1-renamed",
                "provisioningParameters": limits(json!({"webex_calling": 8, "webex_suite": 4}))}),
    )
    .await;
    assert_eq!(location(&r), format!("{}{CUSTOMERS}/{id}", app.address));
    let accepted = json_of(r, StatusCode::ACCEPTED).await;
    assert_eq!(accepted["url"], format!("{}{CUSTOMERS}/{id}", app.address));
    let c = settled(&app, &token, id).await;
    assert_eq!(c["status"], "provisioned", "{c:#}");
    assert_eq!(c["externalId"], "api-q1-renamed");
    let packages: BTreeSet<&str> = c["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(packages, BTreeSet::from(["webex_calling", "webex_suite"]));
    assert_eq!(package(&c, "webex_suite")["status"], "provisioned");
    assert_eq!(
        quantities(&app, id).await,
        [
            ("webex_calling".into(), Some(8)),
            ("webex_suite".into(), Some(4))
        ]
    );
    assert_eq!(app.audit_count("customer.update", "success").await, 1);

    // A new billing address is checked for compliance again.
    let mut moved = address("US");
    moved["addressLine1"] = json!("1 Infinite Loop");
    let r = put(
        &app,
        &token,
        id,
        &json!({"packages": ["webex_calling", "webex_suite"], "address": moved}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let c = settled(&app, &token, id).await;
    assert_eq!(c["address"], moved);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM compliance_checks WHERE org_id = $1 AND trigger = 'address_change'",
            id
        )
        .await,
        1
    );
    // Quantities sent before are kept when none are sent.
    assert_eq!(
        quantities(&app, id).await[0],
        ("webex_calling".into(), Some(8))
    );

    // While a job owns the customer, no other change starts.
    sqlx::query("UPDATE orgs SET status = 'updating' WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    error_body(
        put(
            &app,
            &token,
            id,
            &json!({"packages": ["webex_calling", "webex_suite"]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    error_body(
        app.api_call(
            Some(&token),
            Method::DELETE,
            &format!("{CUSTOMERS}/{id}"),
            None,
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn put_applies_the_india_and_add_on_rules_of_creation() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let current = json!(["webex_calling", "webex_meetings", "common_area_calling"]);
    let r = put(
        &app,
        &token,
        acme,
        &json!({"packages": current, "address": address("IN")}),
    )
    .await;
    let error = refused_naming(r, "packages").await;
    assert!(descriptions(&error).iter().any(|d| d.contains("India")));
    let r = put(
        &app,
        &token,
        acme,
        &json!({"packages": ["webex_voice", "webex_meetings", "common_area_calling", "attendant_console"]}),
    )
    .await;
    let error = refused_naming(r, "packages").await;
    let all = descriptions(&error).join("\n");
    assert!(all.contains("Attendant Console"), "{all}");
    // Acme's users hold Webex Calling, and its lobby phone Common Area Calling.
    assert!(all.contains("Webex Calling cannot be removed"), "{all}");
    refused_naming(
        put(&app, &token, acme, &json!({"packages": current, "address": {"addressLine1": "z".repeat(51), "city": "X", "country": "US"}})).await,
        "address.addressLine1",
    )
    .await;
    assert_eq!(app.audit_count("customer.update", "success").await, 0);
}

#[tokio::test]
async fn delete_removes_the_wholesale_services_and_keeps_the_org_and_its_people() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let people_before = count(&app, "SELECT count(*) FROM people WHERE org_id = $1", acme).await;
    assert!(
        count(
            &app,
            "SELECT count(*) FROM subscribers WHERE customer_org_id = $1",
            acme
        )
        .await
            > 0
    );
    assert!(
        count(
            &app,
            "SELECT count(*) FROM workspaces WHERE org_id = $1",
            acme
        )
        .await
            > 0
    );

    let path = format!("{CUSTOMERS}/{acme}");
    let r = app
        .api_call(Some(&token), Method::DELETE, &path, None)
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(r.text().await.unwrap().is_empty(), "no body");

    // Until its job runs, the customer is being deleted.
    let c = json_of(get(&app, &token, &path).await, StatusCode::OK).await;
    assert_eq!(c["status"], "deleting");
    app.run_due_jobs().await;
    assert_eq!(
        get(&app, &token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let (items, _) = list_page(&app, &token, CUSTOMERS).await;
    assert!(!ids(&items).contains(&acme.to_string()));
    assert_eq!(items.len(), 24);

    // The org record and its people stay; the wholesale services are gone.
    let deleted: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT deleted_at FROM orgs WHERE id = $1")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(deleted.is_some());
    assert_eq!(
        count(&app, "SELECT count(*) FROM people WHERE org_id = $1", acme).await,
        people_before
    );
    for sql in [
        "SELECT count(*) FROM subscribers WHERE customer_org_id = $1",
        "SELECT count(*) FROM workspaces WHERE org_id = $1",
        "SELECT count(*) FROM customer_packages WHERE org_id = $1",
        "SELECT count(*) FROM license_assignments WHERE customer_org_id = $1 AND ended_at IS NULL",
    ] {
        assert_eq!(count(&app, sql, acme).await, 0, "{sql}");
    }
    assert!(
        count(
            &app,
            "SELECT count(*) FROM license_assignments WHERE customer_org_id = $1",
            acme
        )
        .await
            > 0,
        "billing history stays"
    );
    assert_eq!(app.audit_count("customer.delete", "success").await, 1);
    // Gone for every door: a second DELETE and a PUT are 404.
    error_body(
        app.api_call(Some(&token), Method::DELETE, &path, None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_body(
        put(&app, &token, acme, &json!({"packages": ["webex_meetings"]})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

// ── A worker that dies mid-job ──────────────────────────────────────────────────────

#[tokio::test]
async fn a_provisioning_job_whose_worker_died_is_finished_exactly_once_by_another() {
    let app = spawn_app().await; // no worker of its own
    let token = token_for(&app, PARTNER_ADMIN).await;
    let prov = app.provisioning_id("Standard SMB (US)").await;
    let id = create(&app, &token, &new_customer(&prov, "crash")).await;

    // Until the job runs: provisioning, no orgId.
    let c = customer(&app, &token, id).await;
    assert_eq!(c["status"], "provisioning");
    assert!(c.get("orgId").is_none());
    assert_eq!(package(&c, "webex_calling")["status"], "provisioning");

    // A worker claims the provisioning job and dies without a word.
    let lease = time::Duration::seconds(30);
    let claimed = queue::claim(&app.db, "worker-that-dies", app.clock.now(), lease)
        .await
        .unwrap()
        .expect("the provisioning job");
    assert_eq!(claimed.kind, "customer.provision");
    assert_eq!(claimed.org_id, Some(id));
    drop(claimed);
    assert_eq!(
        customer(&app, &token, id).await["status"],
        "provisioning",
        "nothing happened"
    );

    // After the lease, a real worker takes it over.
    app.clock.advance(lease + time::Duration::seconds(1));
    let stop = CancellationToken::new();
    let worker = Worker::new(
        app.db.clone(),
        app.clock.clone(),
        wholesale_hub::job_registry(),
    );
    let running = tokio::spawn(worker.run(stop.clone()));
    let c = settled_by_worker(&app, &token, id).await;
    assert_eq!(c["status"], "provisioned", "{c:#}");
    assert_eq!(c["orgId"], id.to_string());

    // Run the job once more by hand, as a second crash-and-retry would: nothing doubles.
    let job_id: i64 =
        sqlx::query_scalar("SELECT id FROM jobs WHERE org_id = $1 AND kind = 'customer.provision'")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let replay = queue::ClaimedJob {
        id: job_id,
        kind: "customer.provision".into(),
        org_id: Some(id),
        payload: json!({ "org_id": id }),
        attempts: 3,
        max_attempts: 8,
    };
    let ctx = JobContext::new(app.db.clone(), app.clock.clone());
    wholesale_hub::services::customer::provision_job::run_job(ctx, replay)
        .await
        .unwrap();
    stop.cancel();
    running.await.unwrap();

    let (state, attempts): (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE id = $1")
            .bind(job_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("succeeded", 2));
    assert_eq!(
        count(&app, "SELECT count(*) FROM locations WHERE org_id = $1", id).await,
        1,
        "one HQ location"
    );
    let domains: Vec<Option<String>> =
        sqlx::query_scalar("SELECT sip_domain FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(matches!(domains.as_slice(), [Some(_)]), "one SIP domain");
    let sip = domains[0].clone().unwrap();
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM orgs WHERE sip_domain = $1")
            .bind(&sip)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        1
    );
    let provisioned_at: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT provisioned_at FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let again = customer(&app, &token, id).await;
    assert_eq!(again, c, "the replay changed nothing visible");
    assert!(provisioned_at.is_some());
}

// ── The OpenAPI document ────────────────────────────────────────────────────────────

#[tokio::test]
async fn the_openapi_document_is_valid_and_agrees_with_the_vendors() {
    let app = spawn_app().await;
    let r = app
        .api_call(None, Method::GET, "/v1/openapi.json", None)
        .await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc = json_of(r, StatusCode::OK).await;

    // Valid OpenAPI 3.0 (the OpenAPI Initiative's JSON Schema of 3.0.x documents).
    let meta: Value = serde_json::from_str(OPENAPI_30_SCHEMA).unwrap();
    let validator = jsonschema::draft4::new(&meta).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(5)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["servers"], json!([{"url": "/v1"}]));

    // Exactly what is implemented.
    let operations: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| !k.starts_with("x-"))
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    let expected: BTreeSet<String> = [
        "GET /wholesale/subPartners",
        "GET /wholesale/customers",
        "POST /wholesale/customers",
        "GET /wholesale/customers/{customerId}",
        "PUT /wholesale/customers/{customerId}",
        "DELETE /wholesale/customers/{customerId}",
        "POST /wholesale/customers/validate",
        "GET /wholesale/customers/{customerId}/setupAssist",
        "POST /wholesale/customers/{customerId}/setupAssist",
        "GET /wholesale/subscribers",
        "POST /wholesale/subscribers",
        "GET /wholesale/subscribers/{subscriberId}",
        "PUT /wholesale/subscribers/{subscriberId}",
        "DELETE /wholesale/subscribers/{subscriberId}",
        "POST /wholesale/subscribers/validate",
        "GET /wholesale/billing/reports",
        "POST /wholesale/billing/reports",
        "GET /wholesale/billing/reports/{id}",
        "DELETE /wholesale/billing/reports/{id}",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(operations, expected);
    for op in &expected {
        let (method, path) = op.split_once(' ').unwrap();
        let served = format!(
            "/v1{}",
            path.replace("{customerId}", &Uuid::new_v4().to_string())
                .replace("{subscriberId}", &Uuid::new_v4().to_string())
                .replace("{id}", &Uuid::new_v4().to_string())
        );
        let r = app
            .api_call(
                None,
                Method::from_bytes(method.as_bytes()).unwrap(),
                &served,
                None,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "{op} is served (and needs a token)"
        );
    }

    // Agreement with the vendor for every shared path and field.
    let vendor = reference();
    for (path, item) in doc["paths"].as_object().unwrap() {
        // Our own additions (marked) have no vendor counterpart to agree with.
        if item["x-hub-extension"] == json!(true) {
            assert!(
                vendor["paths"][path].is_null(),
                "{path} is the vendor's, not an extension"
            );
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let theirs = &vendor["paths"][path][method];
            assert!(theirs.is_object(), "{method} {path} is not the vendor's");
            let params = |o: &Value| -> Vec<(String, String, Value)> {
                o["parameters"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|p| {
                                (
                                    p["name"].as_str().unwrap().to_string(),
                                    p["in"].as_str().unwrap().to_string(),
                                    p["schema"].clone(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            assert_eq!(params(op), params(theirs), "{method} {path} parameters");
            let body_schema = |o: &Value| {
                let mut s = o["requestBody"]["content"]["application/json"]["schema"].clone();
                strip_descriptions(&mut s);
                s
            };
            assert_eq!(body_schema(op), body_schema(theirs), "{method} {path} body");
            let codes = |o: &Value| -> Vec<String> {
                o["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect()
            };
            assert_eq!(codes(op), codes(theirs), "{method} {path} responses");
            for (code, response) in op["responses"].as_object().unwrap() {
                assert_eq!(
                    response["content"]["application/json"]["schema"],
                    theirs["responses"][code]["content"]["application/json"]["schema"],
                    "{method} {path} {code}"
                );
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if name == "SetupAssistRequest" {
            // Ours alone (the setupAssist extension).
            assert!(vendor["components"]["schemas"][name].is_null());
            continue;
        }
        let mut ours = schema.clone();
        let mut theirs = vendor["components"]["schemas"][name].clone();
        if name == "CustomerProvisioningPrecheckResponse"
            || name == "SubscriberProvisioningPrecheckResponse"
        {
            // Deliberate: a list, as the vendor's example and SPEC §9.3 have it.
            assert_eq!(ours["properties"]["info"]["type"], "array");
            assert_eq!(
                ours["properties"]["info"]["items"]["properties"],
                theirs["properties"]["info"]["properties"]
            );
            ours["properties"].as_object_mut().unwrap().remove("info");
            theirs["properties"].as_object_mut().unwrap().remove("info");
        }
        assert_eq!(ours, theirs, "schema {name}");
    }
    assert_matches(
        "ResourceURL",
        &json!({"url": format!("{}/v1/wholesale/customers/x", app.address)}),
    );
}

/// Descriptions may carry our notes; types, names, enums and requirements may not differ.
fn strip_descriptions(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.remove("description");
            for (_, v) in o.iter_mut() {
                strip_descriptions(v);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_descriptions),
        _ => {}
    }
}

#[test]
fn the_schema_check_is_strict() {
    let ok = json!({"id": "x", "status": "provisioned", "packages": ["webex_calling"],
                    "resourceDetails": {"packages": [{"name": "webex_calling", "status": "provisioned", "warnings": [], "errors": []}]},
                    "errors": []});
    assert_matches("Customer", &ok);
    for bad in [
        json!({"id": "x", "name": "Acme"}),
        json!({"id": "x", "status": "asleep"}),
        json!({"id": "x", "packages": ["webex_gold"]}),
        json!({"id": "x", "resourceDetails": {"packages": [{"name": "webex_calling", "extra": 1}]}}),
        json!({"id": "x", "address": {"street": "1 Main"}}),
    ] {
        let result = std::panic::catch_unwind(|| assert_matches("Customer", &bad));
        assert!(result.is_err(), "accepted {bad}");
    }
}

#[tokio::test]
async fn us_and_canadian_addresses_need_their_state_and_postal_code_on_the_api() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;

    // Creation: the billing address without its state, the location's without its ZIP.
    let mut body = new_customer(&pid, "no-state");
    body["address"]
        .as_object_mut()
        .unwrap()
        .remove("stateOrProvince");
    body["provisioningParameters"]["calling"]["location"]["address"]["zipOrPostalCode"] =
        json!("  ");
    let r = post(&app, &token, CUSTOMERS, &body).await;
    let error = refused_naming(r, "address.stateOrProvince").await;
    let all = descriptions(&error).join("\n");
    assert!(
        all.contains(
            "address.stateOrProvince: Enter the state: addresses in the United States need one."
        ),
        "{all}"
    );
    assert!(
        all.contains(
            "provisioningParameters.calling.location.address.zipOrPostalCode: Enter the ZIP code"
        ),
        "{all}"
    );
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orgs WHERE external_id = 'api-no-state'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(created, 0, "nothing is created");
    // The precheck says the same.
    refused_naming(
        post(&app, &token, VALIDATE, &body).await,
        "address.stateOrProvince",
    )
    .await;

    // A change: a Canadian address without its postal code; nothing changes.
    let acme = app.org_id("Acme Dental").await;
    let current = json!(["webex_calling", "webex_meetings", "common_area_calling"]);
    let moved = json!({"addressLine1": "1 Bay Street", "city": "Toronto", "stateOrProvince": "ON", "country": "CA"});
    let r = put(
        &app,
        &token,
        acme,
        &json!({"packages": current, "address": moved}),
    )
    .await;
    let error = refused_naming(r, "address.zipOrPostalCode").await;
    assert!(
        descriptions(&error)
            .iter()
            .any(|d| d.contains("Enter the postal code: addresses in Canada need one.")),
        "{error:#}"
    );
    let (city, status): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT city, status FROM orgs WHERE id = $1")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_ne!(city.as_deref(), Some("Toronto"));
    assert_eq!(status.as_deref(), Some("provisioned"));
    assert_eq!(app.audit_count("customer.update", "success").await, 0);

    // With the postal code it is taken; and a British address needs neither.
    let mut moved = moved;
    moved["zipOrPostalCode"] = json!("M5J 2T3");
    let r = put(
        &app,
        &token,
        acme,
        &json!({"packages": current, "address": moved}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    app.run_due_jobs().await;
    let gb = json!({"addressLine1": "10 Downing Street", "city": "London", "country": "GB"});
    let r = put(
        &app,
        &token,
        acme,
        &json!({"packages": current, "address": gb}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}
