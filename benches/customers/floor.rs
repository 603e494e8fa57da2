//! The floor of a page: the statements one view of it runs, captured from PostgreSQL's
//! own log and replayed by `pgbench` at the same concurrency against the same database,
//! so each page's req/s can be printed beside what its SQL alone allows.
//!
//! Capturing: `log_statement = all` is set on the benchmark's database (new connections
//! only, so a capture app is started after it), the server writes a CSV log
//! (`logging_collector`, `log_destination = csvlog`: `scripts/bench` starts its own
//! server so), and the rows of one page view are read back with `pg_read_file`. Each
//! page is viewed twice and the second view kept, so the first use of a statement (and
//! sqlx's own catalog lookups) do not count.
//!
//! Replaying: one pgbench transaction is the page's statements in order, prepared
//! (`-M prepared`), their parameters given as `-D` variables as the app sent them.
//!
//! The page side is measured the same way round: `wrk`, a lean C client in its own
//! process, at the same concurrency for the same seconds as each pgbench round. An
//! in-process HTTP client would spend the two cores' time on its own side of the
//! requests (its pool, cookie store and parsing) and charge it to the page, where
//! pgbench's own small share is charged to the floor.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::PgPool;

/// One statement as the server logged it: its SQL and its parameters (`None`: NULL).
#[derive(Clone, Debug)]
pub struct Logged {
    pub sql: String,
    pub params: Vec<Option<String>>,
}

/// Where the server's CSV log is, and how much of it was read.
pub struct LogCursor {
    file: String,
    offset: i64,
}

/// The CSV log's current file and its end, or an error saying why there is none
/// (a server not started by `scripts/bench`).
pub async fn log_end(admin: &PgPool) -> anyhow::Result<LogCursor> {
    let file: Option<String> = sqlx::query_scalar("SELECT pg_current_logfile('csvlog')")
        .fetch_one(admin)
        .await?;
    let Some(file) = file else {
        bail!("the server writes no CSV log (logging_collector and log_destination=csvlog)");
    };
    let size: i64 = sqlx::query_scalar("SELECT size FROM pg_stat_file($1)")
        .bind(&file)
        .fetch_one(admin)
        .await?;
    Ok(LogCursor { file, offset: size })
}

/// Every statement of database `db` logged since `from`.
pub async fn statements_since(
    admin: &PgPool,
    db: &str,
    from: &LogCursor,
) -> anyhow::Result<Vec<Logged>> {
    // The collector writes asynchronously: give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let size: i64 = sqlx::query_scalar("SELECT size FROM pg_stat_file($1)")
        .bind(&from.file)
        .fetch_one(admin)
        .await?;
    let text: String = sqlx::query_scalar("SELECT pg_read_file($1, $2, $3)")
        .bind(&from.file)
        .bind(from.offset)
        .bind(size - from.offset)
        .fetch_one(admin)
        .await?;
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = vec![];
    for row in rows.records() {
        let row = row?;
        // csvlog columns: 2 database_name, 13 message, 14 detail.
        if row.get(2) != Some(db) {
            continue;
        }
        let message = row.get(13).unwrap_or("");
        let sql = if let Some(rest) = message.strip_prefix("execute ") {
            match rest.split_once(": ") {
                Some((_, sql)) => sql,
                None => continue,
            }
        } else if let Some(sql) = message.strip_prefix("statement: ") {
            sql
        } else {
            continue;
        };
        let params = row
            .get(14)
            .and_then(|d| d.strip_prefix("parameters: "))
            .map(parse_params)
            .transpose()?
            .unwrap_or_default();
        out.push(Logged {
            sql: sql.to_string(),
            params,
        });
    }
    Ok(out)
}

/// `$1 = 'a''b', $2 = NULL` → `[Some("a'b"), None]`.
fn parse_params(detail: &str) -> anyhow::Result<Vec<Option<String>>> {
    let mut out = vec![];
    let mut rest = detail;
    while !rest.is_empty() {
        let (_, after) = rest
            .split_once(" = ")
            .with_context(|| format!("unreadable parameters: {detail}"))?;
        if let Some(tail) = after.strip_prefix("NULL") {
            out.push(None);
            rest = tail.trim_start_matches(", ");
            continue;
        }
        let mut chars = after
            .strip_prefix('\'')
            .with_context(|| format!("unreadable parameter value: {after}"))?
            .char_indices()
            .peekable();
        let mut value = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    chars.next();
                    value.push('\'');
                } else {
                    end = Some(i + 1 + 1);
                    break;
                }
            } else {
                value.push(c);
            }
        }
        let end = end.with_context(|| format!("unterminated parameter: {after}"))?;
        out.push(Some(value));
        rest = after[end..].trim_start_matches(", ");
    }
    Ok(out)
}

/// The statements of the last of `views` identical page views. Left out: sqlx's catalog
/// lookups, and the session's write, which happens at most once a minute per session
/// (`auth::session`, `last_seen`) and so is no part of a page's steady cost.
pub fn last_view(all: Vec<Logged>, views: usize) -> anyhow::Result<Vec<Logged>> {
    let page: Vec<Logged> = all
        .into_iter()
        .filter(|s| !s.sql.contains("pg_catalog.") && !s.sql.contains("pg_type"))
        .filter(|s| {
            !s.sql
                .trim_start()
                .starts_with("INSERT INTO tower_sessions.session")
        })
        .collect();
    if page.is_empty() || !page.len().is_multiple_of(views) {
        bail!(
            "{} statements for {views} views: the views did not run the same statements",
            page.len()
        );
    }
    let n = page.len() / views;
    Ok(page[page.len() - n..].to_vec())
}

/// A pgbench script running `statements` as one transaction, and its `-D` variables.
pub fn script(statements: &[Logged]) -> (String, Vec<(String, String)>) {
    let mut text = String::new();
    let mut vars = vec![];
    for (i, s) in statements.iter().enumerate() {
        let mut sql = s.sql.clone();
        // From the highest number down, so `$1` does not eat the start of `$10`.
        for (n, value) in s.params.iter().enumerate().rev() {
            let placeholder = format!("${}", n + 1);
            let replacement = match value {
                // pgbench refuses an empty `-D` variable: an empty string goes inline.
                Some(v) if v.is_empty() => "''".to_string(),
                Some(v) => {
                    let name = format!("s{i}p{}", n + 1);
                    vars.push((name.clone(), v.clone()));
                    format!(":{name}")
                }
                None => "NULL".to_string(),
            };
            sql = sql.replace(&placeholder, &replacement);
        }
        text.push_str(sql.trim().trim_end_matches(';'));
        text.push_str(";\n");
    }
    (text, vars)
}

/// Transactions per second of `script` by pgbench: `clients` connections on 2 threads
/// for `seconds`, prepared statements.
pub async fn pgbench_tps(
    pgbench: &str,
    db_url: &str,
    script: &str,
    vars: &[(String, String)],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let dir = tempdir()?;
    let path = dir.join("page.sql");
    std::fs::write(&path, script)?;
    let mut cmd = tokio::process::Command::new(pgbench);
    cmd.arg("-n")
        .arg("-M")
        .arg("prepared")
        .arg(format!("-c{clients}"))
        .arg("-j2")
        .arg(format!("-T{seconds}"))
        .arg("-f")
        .arg(&path);
    for (k, v) in vars {
        cmd.arg("-D").arg(format!("{k}={v}"));
    }
    cmd.arg(db_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().await.context("run pgbench")?;
    std::fs::remove_dir_all(&dir).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("tps = ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .with_context(|| format!("no tps in pgbench's output: {stdout}"))
}

/// What one `wrk` run measured.
pub struct WrkRun {
    pub per_second: f64,
    /// wrk's latency distribution (`--latency`): the median and the 90th percentile.
    pub median_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    /// Responses that were not 2xx/3xx, and socket errors (connect, read, write, timeout).
    pub failed: u64,
}

/// Requests per second of GETs of `url` by `wrk`: `clients` connections on 2 threads for
/// `seconds`, each request carrying `headers`.
pub async fn wrk_rps(
    wrk: &str,
    url: &str,
    headers: &[String],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<WrkRun> {
    let mut cmd = tokio::process::Command::new(wrk);
    cmd.arg("-t2")
        .arg("--latency")
        .arg(format!("-c{clients}"))
        .arg(format!("-d{seconds}s"));
    for h in headers {
        cmd.arg("-H").arg(h);
    }
    cmd.arg(url).stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = cmd.output().await.context("run wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse_wrk(&stdout).with_context(|| format!("no Requests/sec in wrk's output: {stdout}"))
}

fn parse_wrk(stdout: &str) -> Option<WrkRun> {
    let per_second = stdout.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Requests/sec:")
            .and_then(|r| r.trim().parse().ok())
    })?;
    let mut failed = 0;
    for l in stdout.lines().map(str::trim) {
        if let Some(n) = l.strip_prefix("Non-2xx or 3xx responses:") {
            failed += n.trim().parse::<u64>().unwrap_or(1);
        }
        if let Some(list) = l.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            failed += list
                .split(',')
                .filter_map(|kv| kv.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    let percentile = |p: &str| {
        stdout.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(p)).then(|| words.next().and_then(wrk_ms))?
        })
    };
    Some(WrkRun {
        per_second,
        median_ms: percentile("50%"),
        p90_ms: percentile("90%"),
        failed,
    })
}

/// wrk's `812.00us`, `12.34ms` or `1.02s` in milliseconds.
fn wrk_ms(v: &str) -> Option<f64> {
    let (n, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    n.parse::<f64>().ok().map(|n| n * scale)
}

/// `wrk` from `WRK` or the PATH.
pub fn find_wrk() -> Option<String> {
    if let Ok(p) = std::env::var("WRK") {
        return Some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("wrk"))
            .find(|p| p.exists())
            .map(|p| p.to_string_lossy().to_string())
    })
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("hub-floor-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The pgbench of the newest PostgreSQL installed.
pub fn find_pgbench() -> Option<String> {
    if let Ok(p) = std::env::var("PGBENCH") {
        return Some(p);
    }
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/pgbench"))
        .filter(|p| p.exists())
        .collect();
    dirs.sort();
    dirs.pop().map(|p| p.to_string_lossy().to_string())
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}
