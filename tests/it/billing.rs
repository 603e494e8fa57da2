//! Billing reconciliation (SPEC §8, §9.5): reports generated from the append-only
//! licence history, prorated per UTC day, through the API (checked against the vendor's
//! schemas, made strict) and the Billing page; the period rules, the 409, exact-match
//! filters, the signed 30-minute download link, sub-partner isolation and read-only
//! refusals.
//!
//! The history is written straight into `license_assignments` for a period 400 days
//! back, where the demo data holds none, so every expected quantity is exact.

use std::collections::BTreeMap;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::api_customers::assert_matches;
use crate::common::*;

const REPORTS: &str = "/v1/wholesale/billing/reports";

/// The clean day the tests' history starts on: 400 days before today (UTC).
fn base_day(app: &TestApp) -> Date {
    app.clock.now().date() - Duration::days(400)
}

fn at(day: Date, hour: u8, minute: u8) -> OffsetDateTime {
    day.with_time(Time::from_hms(hour, minute, 0).unwrap())
        .assume_utc()
}

/// One licence interval of `customer`, as the history records it.
#[allow(clippy::too_many_arguments)]
async fn interval(
    app: &TestApp,
    customer: Uuid,
    person: Option<Uuid>,
    workspace: Option<Uuid>,
    package: &str,
    licence: &str,
    from: OffsetDateTime,
    to: Option<OffsetDateTime>,
) {
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, person_id, held_workspace_id, held_location_id,
                                          package, license_id, started_at, ended_at)
         VALUES ($1, $2, $3, $4, (SELECT id FROM locations WHERE org_id = $2 ORDER BY is_headquarters DESC, id LIMIT 1),
                 $5, $6, $7, $8)",
    )
    .bind(Uuid::new_v4())
    .bind(customer)
    .bind(person)
    .bind(workspace)
    .bind(package)
    .bind(licence)
    .bind(from)
    .bind(to)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Two customers of Northwind's and one of Southwind's with the edge cases of
/// proration on day D (the base day):
/// - a package change at noon: Webex Calling until 12:00, then Webex Suite until D+2;
/// - removed at 08:00 and added again at 20:00 (the same licence);
/// - a workspace licence from 18:00 across midnight to 06:00;
/// - an instant written with a +05:00 offset (05:00+05:00 is midnight UTC);
/// - a customer whose delayed billing starts on D+1;
/// - Southwind's customer, with Southwind's own billing start on D+1.
struct History {
    d: Date,
    acme: Uuid,
    beta: Uuid,
    south: Uuid,
    southwind: Uuid,
    person_x: Uuid,
    person_y: Uuid,
    workspace: Uuid,
}

async fn history(app: &TestApp) -> History {
    let d = base_day(app);
    let acme = app.org_id("Acme Dental").await;
    let beta: Uuid = sqlx::query_scalar(
        "SELECT id FROM orgs o WHERE onboarded_by = (SELECT onboarded_by FROM orgs WHERE id = $1)
           AND id <> $1 AND kind = 'customer' AND deleted_at IS NULL ORDER BY name LIMIT 1",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let southwind = app.org_id("Southwind Reseller").await;
    let south: Uuid = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE onboarded_by = $1 AND kind = 'customer' ORDER BY name LIMIT 1",
    )
    .bind(southwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let (person_x, person_y) = (Uuid::new_v4(), Uuid::new_v4());
    let workspace = Uuid::new_v4();
    interval(
        app,
        acme,
        Some(person_x),
        None,
        "webex_calling",
        "lic-x1",
        at(d - Duration::days(5), 0, 0),
        Some(at(d, 12, 0)),
    )
    .await;
    interval(
        app,
        acme,
        Some(person_x),
        None,
        "webex_suite",
        "lic-x2",
        at(d, 12, 0),
        Some(at(d + Duration::days(2), 6, 0)),
    )
    .await;
    interval(
        app,
        acme,
        Some(person_y),
        None,
        "webex_meetings",
        "lic-y",
        at(d, 0, 0),
        Some(at(d, 8, 0)),
    )
    .await;
    interval(
        app,
        acme,
        Some(person_y),
        None,
        "webex_meetings",
        "lic-y",
        at(d, 20, 0),
        Some(at(d + Duration::days(1), 0, 0)),
    )
    .await;
    interval(
        app,
        acme,
        None,
        Some(workspace),
        "common_area_calling",
        "lic-w",
        at(d, 18, 0),
        Some(at(d + Duration::days(1), 6, 0)),
    )
    .await;
    // 05:00 at +05:00 is D's midnight in UTC: a whole day D and D+1 until 00:00 of D+2.
    let offset = d
        .with_time(Time::from_hms(5, 0, 0).unwrap())
        .assume_offset(time::UtcOffset::from_hms(5, 0, 0).unwrap());
    interval(
        app,
        beta,
        Some(Uuid::new_v4()),
        None,
        "webex_calling",
        "lic-b1",
        offset,
        None,
    )
    .await;
    // Days are UTC whatever the customer's own time zone (Auckland is 13 hours ahead).
    sqlx::query("UPDATE orgs SET timezone = 'Pacific/Auckland' WHERE id = $1")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    // Delayed billing: beta's billing starts on D+1, so D does not count.
    sqlx::query("UPDATE orgs SET billing_start_date = $2 WHERE id = $1")
        .bind(beta)
        .bind(d + Duration::days(1))
        .execute(&app.db)
        .await
        .unwrap();
    interval(
        app,
        south,
        Some(Uuid::new_v4()),
        None,
        "webex_calling",
        "lic-s1",
        at(d - Duration::days(1), 0, 0),
        None,
    )
    .await;
    sqlx::query("UPDATE orgs SET billing_start_date = $2 WHERE id = $1")
        .bind(southwind)
        .bind(d + Duration::days(1))
        .execute(&app.db)
        .await
        .unwrap();
    History {
        d,
        acme,
        beta,
        south,
        southwind,
        person_x,
        person_y,
        workspace,
    }
}

/// The billing error body (SPEC §9: `code`, not `errorCode`) with this status.
async fn billing_error(r: Response, status: StatusCode) -> Value {
    let body = json_of(r, status).await;
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let errors = body["errors"].as_array().expect("errors[]");
    assert!(!errors.is_empty(), "{body}");
    for e in errors {
        assert!(
            e["code"].as_u64().is_some() && e.get("errorCode").is_none(),
            "{body}"
        );
        assert!(e["description"].as_str().is_some(), "{body}");
    }
    assert!(
        body["trackingId"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
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

fn period(start: Date, end: Date, kind: &str) -> Value {
    json!({"billingStartDate": start.to_string(), "billingEndDate": end.to_string(), "type": kind})
}

/// Creates a report, runs its job, and answers its `Report` body.
async fn generated(app: &TestApp, token: &str, body: &Value) -> Value {
    let r = call(app, token, Method::POST, REPORTS, Some(body)).await;
    let created = json_of(r, StatusCode::OK).await;
    assert_matches("ReportId", &created);
    assert_eq!(created["category"], "RECONCILIATION");
    let id = created["id"].as_str().unwrap().to_string();
    app.run_due_jobs().await;
    let report = json_of(
        app.api_get(Some(token), &format!("{REPORTS}/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_matches("Report", &report);
    assert_eq!(report["status"], "COMPLETED", "{report:#}");
    report
}

/// The report's CSV by its signed link, with no token.
async fn csv_of(app: &TestApp, report: &Value) -> String {
    let url = report["tempDownloadURL"].as_str().expect("a download link");
    let r = app.api_get(None, url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    r.text().await.unwrap()
}

fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Quantity per service name (summed over rows), as numbers.
fn per_service(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r["Service_Name"].clone()).or_insert(0.0) +=
            r["Quantity"].parse::<f64>().unwrap();
    }
    out
}

#[tokio::test]
async fn reports_prorate_each_utc_day_and_their_types_add_up() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let (d, d1) = (h.d, h.d + Duration::days(1));

    let partner = csv_of(
        &app,
        &generated(&app, &token, &period(d, d1, "PARTNER")).await,
    )
    .await;
    assert!(partner.starts_with(
        "Partner_Name,Partner_Org_ID,Subscription_ID,Service_Name,SKU,Description,Consumption_Start_Date,Consumption_End_Date,Quantity\n"
    ), "{partner}");
    let p = rows(&partner);
    let q = per_service(&p);
    // Calling: Acme's half day before the change + Beta's D+1 only (delayed billing).
    assert_eq!(q["WEBEX_CALLING"], 1.5, "{partner}");
    // The suite from noon on D to the period's end.
    assert_eq!(q["WEBEX_SUITE"], 1.5);
    // 8 hours and 4 hours on the same day, the same licence: half a day.
    assert_eq!(q["WEBEX_MEETINGS"], 0.5);
    // 18:00 to 06:00 across midnight.
    assert_eq!(q["COMMON_AREA_CALLING"], 0.5);
    // Southwind's customer is its own partner's, not Northwind's.
    assert_eq!(p.len(), 4, "{partner}");
    assert!(
        p.iter()
            .all(|r| r["Partner_Name"] == "Northwind Telecom" && !r["Subscription_ID"].is_empty())
    );
    let suite = p
        .iter()
        .find(|r| r["Service_Name"] == "WEBEX_SUITE")
        .unwrap();
    assert_eq!(
        (
            suite["Consumption_Start_Date"].as_str(),
            suite["Consumption_End_Date"].as_str()
        ),
        (d.to_string().as_str(), d1.to_string().as_str())
    );

    let customer = rows(
        &csv_of(
            &app,
            &generated(&app, &token, &period(d, d1, "CUSTOMER")).await,
        )
        .await,
    );
    let user_csv = csv_of(&app, &generated(&app, &token, &period(d, d1, "USER")).await).await;
    assert!(user_csv.lines().next().unwrap().ends_with(
        ",Quantity,Customer_Org_ID,Customer_External_ID,Location_ID,License_ID,Subscriber_ID,User_ID,Workspace_ID"
    ));
    let user = rows(&user_csv);
    // The CUSTOMER and USER rows of the period add up to its PARTNER rows.
    assert_eq!(per_service(&customer), q);
    assert_eq!(per_service(&user), q);
    // One USER row per subscriber, package and licence: the two meetings intervals are one row.
    let meetings: Vec<_> = user
        .iter()
        .filter(|r| r["Service_Name"] == "WEBEX_MEETINGS")
        .collect();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0]["User_ID"], h.person_y.to_string());
    assert_eq!(meetings[0]["Customer_Org_ID"], h.acme.to_string());
    assert!(
        !meetings[0]["Customer_External_ID"].is_empty() && !meetings[0]["Location_ID"].is_empty()
    );
    let x: Vec<_> = user
        .iter()
        .filter(|r| r["User_ID"] == h.person_x.to_string())
        .collect();
    assert_eq!(x.len(), 2, "a package change is two rows: {x:?}");
    let ws = user
        .iter()
        .find(|r| r["Service_Name"] == "COMMON_AREA_CALLING")
        .unwrap();
    assert_eq!(
        (ws["Workspace_ID"].clone(), ws["User_ID"].clone()),
        (h.workspace.to_string(), String::new())
    );
    assert_eq!(ws["License_ID"], "lic-w");
    // The delayed customer's row starts on its billing start.
    let beta = user
        .iter()
        .find(|r| r["Customer_Org_ID"] == h.beta.to_string())
        .unwrap();
    assert_eq!(
        (
            beta["Quantity"].as_str(),
            beta["Consumption_Start_Date"].as_str()
        ),
        ("1", d1.to_string().as_str())
    );

    // A parent's report on its sub-partner counts from the sub-partner's billing start.
    let mut body = period(d, d1, "CUSTOMER");
    body["subPartnerOrgId"] = json!(h.southwind);
    let south = rows(&csv_of(&app, &generated(&app, &token, &body).await).await);
    assert_eq!(south.len(), 1, "{south:?}");
    assert_eq!(south[0]["Partner_Name"], "Southwind Reseller");
    assert_eq!(south[0]["Customer_Org_ID"], h.south.to_string());
    assert_eq!(south[0]["Quantity"], "1");
    discard(app).await;
}

#[tokio::test]
async fn the_same_period_twice_gives_the_same_file_and_a_completed_one_is_a_409() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let body = period(h.d, h.d + Duration::days(1), "USER");
    let first = generated(&app, &token, &body).await;
    let first_csv = csv_of(&app, &first).await;

    // Again while the first exists: 409, in the billing body (`code`).
    let again = billing_error(
        call(&app, &token, Method::POST, REPORTS, Some(&body)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["errors"][0]["code"], 1409, "{again:#}");
    assert!(again["errors"][0].get("errorCode").is_none());
    // Another type of the same period is another report.
    generated(
        &app,
        &token,
        &period(h.d, h.d + Duration::days(1), "PARTNER"),
    )
    .await;

    let id = first["id"].as_str().unwrap();
    let r = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{REPORTS}/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let second = generated(&app, &token, &body).await;
    assert_ne!(second["id"], first["id"]);
    assert_eq!(
        csv_of(&app, &second).await,
        first_csv,
        "the same period generated twice differs"
    );

    // A failed report does not stand in the way.
    sqlx::query("UPDATE billing_reports SET status = 'FAILED' WHERE id = $1::uuid")
        .bind(second["id"].as_str().unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    let third = json_of(
        call(&app, &token, Method::POST, REPORTS, Some(&body)).await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(third["id"], second["id"]);
    let gone = billing_error(
        app.api_get(
            Some(&token),
            &format!("{REPORTS}/{}", second["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(gone["errors"][0]["code"], 2024);
    assert_eq!(
        gone["errors"][0]["description"],
        "Billing Report not found."
    );
    discard(app).await;
}

#[tokio::test]
async fn bad_periods_types_and_sub_partners_are_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let today = app.clock.now().date();
    let eastwind = app.org_id("Eastwind Networks").await;
    let acme = app.org_id("Acme Dental").await;
    let y = today - Duration::days(1);
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"billingStartDate": "2026/11/01", "billingEndDate": y.to_string()}),
            "billingStartDate",
        ),
        (
            json!({"billingStartDate": (y - Duration::days(3)).to_string(), "billingEndDate": "yesterday"}),
            "billingEndDate",
        ),
        (json!({"billingEndDate": y.to_string()}), "billingStartDate"),
        (
            period(y, y - Duration::days(3), "PARTNER"),
            "billingEndDate",
        ),
        (period(y, today, "PARTNER"), "billingEndDate"),
        (
            period(
                today + Duration::days(2),
                today + Duration::days(3),
                "PARTNER",
            ),
            "billingStartDate",
        ),
        (
            period(today - Duration::days(5 * 366), y, "PARTNER"),
            "billingStartDate",
        ),
        (period(y, y, "MONTHLY"), "type"),
        (period(y, y, "partner"), "type"),
        (
            json!({"billingStartDate": y.to_string(), "billingEndDate": y.to_string(), "subPartnerOrgId": acme}),
            "subPartnerOrgId",
        ),
        (
            json!({"billingStartDate": y.to_string(), "billingEndDate": y.to_string(), "subPartnerOrgId": "not-an-id"}),
            "subPartnerOrgId",
        ),
    ];
    for (body, field) in &cases {
        let e = billing_error(
            call(&app, &token, Method::POST, REPORTS, Some(body)).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            e["message"].as_str().unwrap().contains(field),
            "{body}: {e:#}"
        );
        assert_eq!(e["errors"][0]["code"], 1400, "{body}: {e:#}");
    }
    // Eastwind's admin cannot report on its sibling, nor any sub-partner (it has none).
    let east = token_for(&app, "reseller.admin@eastwind.example").await;
    let southwind = app.org_id("Southwind Reseller").await;
    let mut body = period(y, y, "PARTNER");
    body["subPartnerOrgId"] = json!(southwind);
    let e = billing_error(
        call(&app, &east, Method::POST, REPORTS, Some(&body)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("subPartnerOrgId"));
    let _ = eastwind;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM billing_reports")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(n, 0, "a refused request created a report");
    discard(app).await;
}

#[tokio::test]
async fn a_download_link_works_without_the_token_for_30_minutes_until_the_report_is_deleted() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let report = generated(&app, &token, &period(h.d, h.d, "PARTNER")).await;
    let url = report["tempDownloadURL"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.address), "{url}");
    assert!(csv_of(&app, &report).await.contains("WEBEX_CALLING"));

    // A changed signature or expiry is refused.
    let tampered = format!("{}0", &url[..url.len() - 1]);
    let tampered = if tampered == url {
        format!("{}1", &url[..url.len() - 1])
    } else {
        tampered
    };
    let e = billing_error(app.api_get(None, &tampered).await, StatusCode::FORBIDDEN).await;
    assert_eq!(e["errors"][0]["code"], 1403);
    let later = url.replace("expires=", "expires=9");
    assert_eq!(
        app.api_get(None, &later).await.status(),
        StatusCode::FORBIDDEN
    );

    // 29 minutes on it still works; at 31 it has expired, and a new GET gives a new one.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.api_get(None, &url).await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(2));
    let e = billing_error(app.api_get(None, &url).await, StatusCode::GONE).await;
    assert!(e["message"].as_str().unwrap().contains("expired"), "{e:#}");
    let id = report["id"].as_str().unwrap();
    let fresh = json_of(
        app.api_get(Some(&token), &format!("{REPORTS}/{id}")).await,
        StatusCode::OK,
    )
    .await;
    let fresh_url = fresh["tempDownloadURL"].as_str().unwrap().to_string();
    assert_eq!(app.api_get(None, &fresh_url).await.status(), StatusCode::OK);

    // Deleting the report revokes every link to it.
    assert_eq!(
        call(
            &app,
            &token,
            Method::DELETE,
            &format!("{REPORTS}/{id}"),
            None
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    let e = billing_error(app.api_get(None, &fresh_url).await, StatusCode::NOT_FOUND).await;
    assert_eq!(e["errors"][0]["code"], 2024);
    let e = billing_error(
        call(
            &app,
            &token,
            Method::DELETE,
            &format!("{REPORTS}/{id}"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(e["errors"][0]["code"], 2024);
    discard(app).await;
}

#[tokio::test]
async fn the_list_filters_match_exactly_sorts_and_pages() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let y = app.clock.now().date() - Duration::days(1);
    let a = (y - Duration::days(30), y - Duration::days(1));
    let b = (y - Duration::days(20), y - Duration::days(10));
    for (s, e, kind) in [
        (a.0, a.1, "PARTNER"),
        (b.0, b.1, "PARTNER"),
        (b.0, b.1, "USER"),
    ] {
        json_of(
            call(
                &app,
                &token,
                Method::POST,
                REPORTS,
                Some(&period(s, e, kind)),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let list = |q: String| {
        let (app, token) = (&app, &token);
        async move {
            let body = json_of(
                app.api_get(Some(token), &format!("{REPORTS}{q}")).await,
                StatusCode::OK,
            )
            .await;
            assert_matches("WholesaleBillingReportsListResponse", &body);
            body["items"].as_array().unwrap().clone()
        }
    };
    assert_eq!(list(String::new()).await.len(), 3);
    // A period that lies inside another is not that other's period.
    let inside = list(format!("?billingStartDate={}&billingEndDate={}", b.0, b.1)).await;
    assert_eq!(inside.len(), 2);
    assert!(
        inside
            .iter()
            .all(|r| r["billingStartDate"] == b.0.to_string())
    );
    assert_eq!(
        list(format!("?billingStartDate={}", a.0 + Duration::days(1)))
            .await
            .len(),
        0
    );
    assert_eq!(list("?type=USER".into()).await.len(), 1);
    assert_eq!(list("?status=IN_PROGRESS".into()).await.len(), 3);
    assert_eq!(list("?status=COMPLETED".into()).await.len(), 0);
    let by_start = list("?sortBy=billingStartDate".into()).await;
    assert_eq!(by_start[0]["billingStartDate"], a.0.to_string());
    let by_end = list("?sortBy=billingEndDate".into()).await;
    assert_eq!(by_end[0]["billingEndDate"], b.1.to_string());
    // Paging: max with a next link.
    let r = app.api_get(Some(&token), &format!("{REPORTS}?max=2")).await;
    let link = r
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string())
        .expect("a next link");
    assert!(link.contains("offset=2"), "{link}");
    assert_eq!(
        json_of(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for bad in [
        "?type=MONTHLY",
        "?status=DONE",
        "?sortBy=created",
        "?billingStartDate=01-02-2026",
        "?max=0",
    ] {
        let e = billing_error(
            app.api_get(Some(&token), &format!("{REPORTS}{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(e["errors"][0].get("code").is_some(), "{bad}: {e:#}");
    }
    discard(app).await;
}

#[tokio::test]
async fn read_only_admins_read_reports_and_other_partners_see_none_of_them() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let report = generated(&app, &token, &period(h.d, h.d, "PARTNER")).await;
    let id = report["id"].as_str().unwrap();
    let one = format!("{REPORTS}/{id}");

    let read_only = token_for(&app, PARTNER_READONLY).await;
    assert_eq!(
        app.api_get(Some(&read_only), &one).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.api_get(Some(&read_only), REPORTS).await.status(),
        StatusCode::OK
    );
    let e = billing_error(
        call(
            &app,
            &read_only,
            Method::POST,
            REPORTS,
            Some(&period(h.d, h.d, "USER")),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(e["errors"][0]["code"], 1403);
    assert_eq!(
        call(&app, &read_only, Method::DELETE, &one, None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // A sub-partner sees only its own reports: its parent's report is not found.
    let south = token_for(&app, RESELLER_ADMIN).await;
    let e = billing_error(app.api_get(Some(&south), &one).await, StatusCode::NOT_FOUND).await;
    assert_eq!(e["errors"][0]["code"], 2024);
    assert_eq!(
        call(&app, &south, Method::DELETE, &one, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let theirs = json_of(app.api_get(Some(&south), REPORTS).await, StatusCode::OK).await;
    assert_eq!(theirs["items"], json!([]));
    // Its own report counts only its own customers, from its billing start.
    let own = rows(
        &csv_of(
            &app,
            &generated(
                &app,
                &south,
                &period(h.d, h.d + Duration::days(1), "CUSTOMER"),
            )
            .await,
        )
        .await,
    );
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["Customer_Org_ID"], h.south.to_string());
    assert_eq!(own[0]["Quantity"], "1");

    // Acting for the sub-partner (`onBehalfOfSubPartnerOrgId`) is a cross-launch: no billing.
    let r = app
        .api_get(
            Some(&token),
            &format!("{REPORTS}?onBehalfOfSubPartnerOrgId={}", h.southwind),
        )
        .await;
    let e = billing_error(r, StatusCode::FORBIDDEN).await;
    assert!(e["errors"][0].get("code").is_some());
    // Still there for its owner.
    assert_eq!(
        app.api_get(Some(&token), &one).await.status(),
        StatusCode::OK
    );
    discard(app).await;
}

#[tokio::test]
async fn the_billing_page_creates_shows_charts_downloads_and_deletes_reports() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let (d, d1) = (h.d.to_string(), (h.d + Duration::days(1)).to_string());

    // A reversed period: the form again, with what was typed and the reason beside it.
    let r = app
        .post_form_with(
            &admin,
            "/partner/billing",
            &[
                ("billingStartDate", &d1),
                ("billingEndDate", &d),
                ("type", "CUSTOMER"),
                ("subPartnerOrgId", ""),
            ],
        )
        .await;
    let page = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("billingEndDate-error"), "{page}");
    assert!(page.contains(&format!("value=\"{d1}\"")));
    assert!(page.contains("<option value=\"CUSTOMER\" selected"));

    let r = app
        .post_form_with(
            &admin,
            "/partner/billing",
            &[
                ("billingStartDate", &d),
                ("billingEndDate", &d1),
                ("type", "CUSTOMER"),
                ("subPartnerOrgId", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.page(&admin, "/partner/billing").await;
    assert!(
        page.contains("<progress"),
        "in progress, with its bar: {page}"
    );
    assert!(page.contains("http-equiv=\"refresh\""));
    app.run_due_jobs().await;
    let page = app.page(&admin, "/partner/billing").await;
    assert!(
        page.contains("Completed") && !page.contains("<progress"),
        "{page}"
    );
    let id: Uuid = sqlx::query_scalar("SELECT id FROM billing_reports WHERE deleted_at IS NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let report = app.page(&admin, &format!("/partner/billing/{id}")).await;
    assert!(report.contains("data-testid=\"usage-chart\""), "{report}");
    assert_eq!(report.matches("<polyline").count(), 4, "a line per package");
    assert!(report.contains("Acme Dental"));
    // Drill down to one customer: its own chart only.
    let one = app
        .page(
            &admin,
            &format!("/partner/billing/{id}?customer={}", h.beta),
        )
        .await;
    assert_eq!(one.matches("<polyline").count(), 1, "{one}");
    app.page_with_status(
        &admin,
        &format!("/partner/billing/{id}?customer={}", Uuid::new_v4()),
        StatusCode::NOT_FOUND,
    )
    .await;

    let csv = admin
        .get(app.url(&format!("/partner/billing/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("Partner_Name,") && text.contains("Customer_Org_ID"));

    // Read-only admins see the reports but no form and cannot create or delete.
    let reader = app.client_for(PARTNER_READONLY).await;
    let page = app.page(&reader, "/partner/billing").await;
    assert!(!page.contains("data-testid=\"create-report\"") && page.contains("Download CSV"));
    let r = app
        .post_form_with(
            &reader,
            "/partner/billing",
            &[
                ("billingStartDate", &d),
                ("billingEndDate", &d),
                ("type", "PARTNER"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post_form_with(&reader, &format!("/partner/billing/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = app
        .post_form_with(&admin, &format!("/partner/billing/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.page_with_status(
        &admin,
        &format!("/partner/billing/{id}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    let gone = admin
        .get(app.url(&format!("/partner/billing/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    discard(app).await;
}

#[tokio::test]
async fn the_demo_data_has_ninety_days_of_licence_history_to_report_on() {
    let app = spawn_app().await;
    let (oldest, changes, ended): (OffsetDateTime, i64, i64) = sqlx::query_as(
        "SELECT min(started_at),
                count(*) FILTER (WHERE ended_at IS NOT NULL AND extract(minute FROM ended_at) <> 0),
                count(*) FILTER (WHERE ended_at IS NOT NULL)
         FROM license_assignments",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        app.clock.now() - oldest >= Duration::days(90),
        "history from {oldest}"
    );
    assert!(
        ended >= 5 && changes >= 3,
        "leavers and package changes at odd hours: {ended}, {changes}"
    );
    let token = token_for(&app, PARTNER_ADMIN).await;
    let y = app.clock.now().date() - Duration::days(1);
    let report = generated(&app, &token, &period(y - Duration::days(89), y, "USER")).await;
    let user = rows(&csv_of(&app, &report).await);
    assert!(user.len() > 20, "{}", user.len());
    discard(app).await;
}
