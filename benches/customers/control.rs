//! Section 4, Control Hub (issue: users, workspaces, locations and CSV): the users list
//! of an org with 5,000 users at the bench's concurrency (by wrk, as section 3 measures
//! pages: an in-process client would spend the two cores on its own side), a 10,000-row CSV import from
//! upload to the last row applied (preview, then the job on the app's own worker), and
//! subscriber creation through the API. Each figure beside its target; the server's
//! memory is read from this process (app and clients share it) before and after.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use tokio::task::JoinSet;
use uuid::Uuid;
use wholesale_hub::Clock;
use wholesale_hub::db::Pool;
use wholesale_hub::domain::admin_package::LEVELS;
use wholesale_hub::domain::user_csv::header;

use anyhow::Context as _;
use reqwest::cookie::CookieStore as _;

use super::{
    PARTNER_ADMIN, Settings, capture_views, extract_csrf, floor, floor_admin, load_get, replay,
    sign_in, start_app, verdict, wrk_rounds,
};

const USERS: usize = 5_000;
const IMPORT_ROWS: usize = 10_000;
const USERS_MEDIAN_MS: f64 = 20.0;
const IMPORT_SECONDS: f64 = 10.0;
const SUBSCRIBERS_PER_S: f64 = 200.0;
const MEMORY_MB: f64 = 300.0;

fn rss_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)
                .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
        })
}

async fn org(pool: &Pool, name: &str) -> anyhow::Result<Uuid> {
    Ok(sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?)
}

/// `n` users of `org` holding Webex Meetings, set-based.
async fn generate_users(pool: &Pool, org: Uuid, n: usize) -> anyhow::Result<()> {
    sqlx::query(
        "WITH p AS (
             INSERT INTO people (id, org_id, email, first_name, last_name, created_at, updated_at)
             SELECT gen_random_uuid(), $1, 'user-' || i || '@bench-users.example', 'User', 'Number ' || i, now(), now()
             FROM generate_series(1, $2) i RETURNING id)
         INSERT INTO subscribers (id, person_id, customer_org_id, package, status, created_at, last_status_change)
         SELECT gen_random_uuid(), p.id, $1, 'webex_meetings', 'provisioned', now(), now() FROM p",
    )
    .bind(org)
    .bind(n as i64)
    .execute(pool)
    .await?;
    sqlx::query("VACUUM (ANALYZE) people, subscribers")
        .execute(pool)
        .await?;
    Ok(())
}

fn import_file(rows: usize) -> Vec<u8> {
    let mut s = header().join(",");
    for i in 0..rows {
        s.push('\n');
        let mut cells: Vec<String> = vec![
            format!("Imported{i}"),
            "Person".into(),
            String::new(),
            format!("import-{i}@bench-csv.example"),
            String::new(),
            String::new(),
            String::new(),
            "TRUE".into(),
            "TRUE".into(),
            "site1".into(),
            "TRUE".into(),
            "TRUE".into(),
            "TRUE".into(),
        ];
        cells.extend(LEVELS.iter().map(|p| {
            if p.id() == "webex_meetings" {
                "TRUE"
            } else {
                "FALSE"
            }
            .to_string()
        }));
        s.push_str(&cells.join(","));
    }
    s.into_bytes()
}

pub async fn control_cases(
    s: &Settings,
    db_url: &str,
    db_name: &str,
    pool: &Pool,
    password: &str,
    errors: &mut Vec<String>,
) -> anyhow::Result<String> {
    let (concurrency, seconds) = (s.concurrency, s.floor_seconds);
    let mut out = String::new();
    writeln!(
        out,
        "4. Control Hub: {USERS} users list, {IMPORT_ROWS}-row CSV import, subscriber creation"
    )?;
    let rss_before = rss_kb("VmRSS:").unwrap_or(0);

    // Users list of an org with 5,000 users.
    let acme = org(pool, "Acme Dental").await?;
    generate_users(pool, acme, USERS).await?;
    let app = start_app(db_url, true).await?;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let pages = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    sign_in(&pages, &app.base, PARTNER_ADMIN, password).await?;
    let cookie = format!(
        "Cookie: {}",
        jar.cookies(&app.base.parse()?)
            .context("no session cookie after signing in")?
            .to_str()?
    );
    let Some(wrk) = floor::find_wrk() else {
        errors.push("no wrk found (WRK or the PATH; scripts/bench installs it)".into());
        app.stop().await?;
        return Ok(out);
    };
    writeln!(
        out,
        "   users list by wrk at {concurrency} connections, medians of 3 rounds of {seconds} s; floor: its statements by pgbench"
    )?;
    writeln!(
        out,
        "   {:<24} {:>7} {:>9} {:>9} {:>9} {:>6} {:>8}  verdict",
        "case", "req/s", "median", "p90", "floor tps", "ratio", "target"
    )?;
    let mut measured = vec![];
    for (name, path) in [
        ("users list, page 1", format!("/control/{acme}/users")),
        (
            "users list, search",
            format!("/control/{acme}/users?q=number%2042"),
        ),
        (
            "users list, page 100",
            format!("/control/{acme}/users?page=100"),
        ),
    ] {
        let url = format!("{}{path}", app.base);
        let cap = Duration::from_secs(120);
        let warm = load_get(&pages, &url, 200, concurrency, cap).await;
        let (runs, failures, first) = wrk_rounds(
            &wrk,
            &url,
            std::slice::from_ref(&cookie),
            &pages,
            concurrency,
            seconds,
        )
        .await?;
        let failures = failures + warm.failures as u64;
        let rps: Vec<f64> = runs.iter().map(|r| r.per_second).collect();
        let median: Vec<f64> = runs.iter().filter_map(|r| r.median_ms).collect();
        let p90: Vec<f64> = runs.iter().filter_map(|r| r.p90_ms).collect();
        if failures > 0 || median.is_empty() {
            errors.push(format!(
                "{name}: {failures} failed; first: {}",
                warm.first_failure.or(first).as_deref().unwrap_or("?")
            ));
        }
        measured.push((
            name,
            path,
            floor::median(rps),
            floor::median(median),
            floor::median(p90),
        ));
    }
    // The same pages' statements, replayed by pgbench in this run: the ratio says how
    // much of what the database allows the page reaches on this machine now.
    let floors = match floor_admin(s).await? {
        Ok((admin, pgbench)) => {
            let urls: Vec<(String, &Client)> =
                measured.iter().map(|m| (m.1.clone(), &pages)).collect();
            let captured = capture_views(db_url, db_name, &admin, &urls, errors).await?;
            let mut floors = vec![];
            for (m, statements) in measured.iter().zip(captured) {
                floors.push(match statements {
                    Ok(st) => {
                        let (script, vars) = floor::script(&st);
                        replay(&pgbench, db_url, &script, &vars, s, m.0, errors).await
                    }
                    Err(e) => {
                        errors.push(format!("{}: {e:#}", m.0));
                        None
                    }
                });
            }
            floors
        }
        Err(why) => {
            writeln!(out, "   (no floor: {why})")?;
            vec![None; measured.len()]
        }
    };
    for ((name, _, rps, median, p90), floor_tps) in measured.iter().zip(floors) {
        let (floor_col, ratio_col) = match floor_tps {
            Some(f) => (format!("{f:.0}"), format!("{:.2}", rps / f)),
            None => ("-".into(), "-".into()),
        };
        writeln!(
            out,
            "   {:<24} {:>7.0} {:>7.1}ms {:>7.1}ms {:>9} {:>6} {:>6.0}ms  {}",
            name,
            rps,
            median,
            p90,
            floor_col,
            ratio_col,
            USERS_MEDIAN_MS,
            verdict(*median <= USERS_MEDIAN_MS)
        )?;
    }

    // The CSV import, upload to last row, into another customer.
    let bluebird = org(pool, "Bluebird Bakery").await?;
    let file = import_file(IMPORT_ROWS);
    let size_mb = file.len() as f64 / 1_048_576.0;
    let csv_page = pages
        .get(format!("{}/control/{bluebird}/users/csv", app.base))
        .send()
        .await?
        .text()
        .await?;
    let token = extract_csrf(&csv_page).unwrap_or_default();
    let started = Instant::now();
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file).file_name("bench.csv"),
        );
    let r = pages
        .post(format!("{}/control/{bluebird}/users/import", app.base))
        .multipart(form)
        .send()
        .await?;
    let preview_s = started.elapsed().as_secs_f64();
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if r.status() != StatusCode::SEE_OTHER || to.is_empty() {
        errors.push(format!("CSV upload answered {}", r.status()));
        app.stop().await?;
        return Ok(out);
    }
    let import_id = to.rsplit('/').next().unwrap_or_default().to_string();
    let r = pages
        .post(format!("{}{to}/apply", app.base))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await?;
    if r.status() != StatusCode::SEE_OTHER {
        errors.push(format!("CSV apply answered {}", r.status()));
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let status: String =
            sqlx::query_scalar("SELECT status FROM user_imports WHERE id = $1::uuid")
                .bind(&import_id)
                .fetch_one(pool)
                .await?;
        if status == "done" || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total_s = started.elapsed().as_secs_f64();
    let (done, failed): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed') FROM user_import_rows WHERE import_id = $1::uuid",
    )
    .bind(&import_id)
    .fetch_one(pool)
    .await?;
    if done != IMPORT_ROWS as i64 {
        errors.push(format!(
            "CSV import: {done} rows done, {failed} failed of {IMPORT_ROWS}"
        ));
    }
    writeln!(
        out,
        "   CSV import of {IMPORT_ROWS} rows ({size_mb:.1} MB): preview {preview_s:.1} s, all applied after {total_s:.1} s (target <= {IMPORT_SECONDS:.0} s)  {}",
        verdict(total_s <= IMPORT_SECONDS)
    )?;

    // The import's welcome emails each have a delivery job: the API case starts once
    // they are done, so that it measures its own work.
    let drain_started = Instant::now();
    loop {
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
                .fetch_one(pool)
                .await?;
        if pending == 0 || drain_started.elapsed() > Duration::from_secs(300) {
            writeln!(
                out,
                "   the import's jobs (welcome emails' deliveries) done {:.1} s later; {pending} left",
                drain_started.elapsed().as_secs_f64()
            )?;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Subscriber creation through the API, 32 tasks for 10 s, into a third customer.
    let cedar = org(pool, "Cedar Law Partners").await?;
    let api_token = wholesale_hub::services::api_tokens::create_from_cli(
        pool,
        PARTNER_ADMIN,
        "bench-subscribers",
        Clock::default().now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let api = Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(10);
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let (api, next, ok, base, token) = (
            api.clone(),
            next.clone(),
            ok.clone(),
            app.base.clone(),
            api_token.clone(),
        );
        tasks.spawn(async move {
            let mut first_failure = None;
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let body = serde_json::json!({
                    "customerId": cedar, "email": format!("api-{i}@bench-api.example"), "packages": ["webex_meetings"],
                    "provisioningParameters": {"firstName": "Api", "lastName": format!("User {i}")},
                });
                match api.post(format!("{base}/v1/wholesale/subscribers")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status() == StatusCode::OK => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        first_failure.get_or_insert(format!("{}: {}", r.status(), r.text().await.unwrap_or_default()));
                    }
                    Err(e) => {
                        first_failure.get_or_insert(e.to_string());
                    }
                }
            }
            first_failure
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(f)) = done {
            errors.push(format!("subscriber creation: {f}"));
            break;
        }
    }
    let per_s = ok.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    writeln!(
        out,
        "   subscribers created through the API: {per_s:.0}/s (target >= {SUBSCRIBERS_PER_S:.0}/s)  {}",
        verdict(per_s >= SUBSCRIBERS_PER_S)
    )?;
    app.stop().await?;
    let rss_peak = rss_kb("VmHWM:").unwrap_or(0);
    writeln!(
        out,
        "   memory of the bench process: {:.0} MB before this section, peak {:.0} MB (target <= {MEMORY_MB:.0} MB)  {}",
        rss_before as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
        verdict((rss_peak as f64 / 1024.0) <= MEMORY_MB)
    )?;
    Ok(out)
}
