//! The connection pool and migrations. The embedded Postgres used by `scripts/run` and
//! `scripts/test` is started by `scripts/lib/pg.sh`; the binary only needs `DATABASE_URL`.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A pool that fails fast when the database is down (pages answer 503 instead of
/// hanging) and reconnects by itself when it returns.
pub async fn connect(url: &str) -> sqlx::Result<PgPool> {
    options().connect(url).await
}

/// Like `connect`, but does not touch the database until first use.
pub fn connect_lazy(url: &str) -> sqlx::Result<PgPool> {
    options().connect_lazy(url)
}

/// The background worker's own pool, so that a flood of requests holding every
/// connection of the app's pool cannot stall the jobs that finish their work.
pub fn connect_worker_lazy(url: &str, max_connections: u32) -> sqlx::Result<PgPool> {
    options().max_connections(max_connections).connect_lazy(url)
}

/// A pool whose connections reuse the first plan of each prepared statement
/// (`plan_cache_mode = force_generic_plan`), for the customers list and the users list
/// without filters: their queries run on every page view, their plans do not depend on
/// the values (limits are written into the SQL or walk an index, prefix searches give
/// their range as parameters), and planning them afresh took a third of the database's
/// time (measured on 100,000 customers; half of it on a 5,000-user org's users list).
pub fn connect_generic_plans_lazy(url: &str) -> sqlx::Result<PgPool> {
    let connect: PgConnectOptions = url.parse()?;
    Ok(options()
        .max_connections(16)
        .connect_lazy_with(connect.options([("plan_cache_mode", "force_generic_plan")])))
}

/// A connection idle for longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// No ping before every use: under load a connection is handed from one statement to the
/// next within milliseconds, and a ping per acquire was a third of a page's round trips.
/// A connection that sat idle (where a database restart would have left it broken) is
/// pinged first, and one found broken is dropped and replaced by the pool. sqlx still
/// pings a connection when it is returned, after the response is on its way.
fn options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(32)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

pub async fn migrate(db: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(db).await
}

/// Ready means: the database answers, and the newest migration this build carries is
/// applied without failure.
pub async fn readiness(db: &PgPool) -> Result<(), String> {
    let expected = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(db)
            .await
            .map_err(|e| format!("database unavailable: {e}"))?;
    match applied {
        Some(v) if v >= expected => Ok(()),
        other => Err(format!(
            "migrations pending: database at {other:?}, build expects {expected}"
        )),
    }
}
