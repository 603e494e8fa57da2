//! The connection pool and migrations. The embedded Postgres used by `scripts/run` and
//! `scripts/test` is started by `scripts/lib/pg.sh`; the binary only needs `DATABASE_URL`.

mod pool;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnectOptions;

pub use pool::{Conn, Pool, Tx};

pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The server's pool: fails fast when the database is down (pages answer 503 instead of
/// hanging) and reconnects by itself when it returns. Checks the URL and the database
/// at once.
pub async fn connect(url: &str) -> sqlx::Result<Pool> {
    let pool = connect_lazy(url)?;
    drop(pool.acquire().await?);
    Ok(pool)
}

/// Like `connect`, but does not touch the database until first use.
pub fn connect_lazy(url: &str) -> sqlx::Result<Pool> {
    Ok(Pool::new(url.parse()?, 32))
}

/// The background worker's own pool, so that a flood of requests holding every
/// connection of the app's pool cannot stall the jobs that finish their work.
pub fn connect_worker_lazy(url: &str, max_connections: u32) -> sqlx::Result<Pool> {
    Ok(Pool::new(url.parse()?, max_connections as usize))
}

/// A pool whose connections reuse the first plan of each prepared statement
/// (`plan_cache_mode = force_generic_plan`), for the customers list and the users list
/// without filters: their queries run on every page view, their plans do not depend on
/// the values (limits are written into the SQL or walk an index, prefix searches give
/// their range as parameters), and planning them afresh took a third of the database's
/// time (measured on 100,000 customers; half of it on a 5,000-user org's users list).
pub fn connect_generic_plans_lazy(url: &str) -> sqlx::Result<Pool> {
    let connect: PgConnectOptions = url.parse()?;
    Ok(Pool::new(
        connect.options([("plan_cache_mode", "force_generic_plan")]),
        16,
    ))
}

pub async fn migrate(db: &Pool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut conn = db.acquire().await?;
    MIGRATOR.run(&mut *conn).await
}

/// Ready means: the database answers, and the newest migration this build carries is
/// applied without failure.
pub async fn readiness(db: &Pool) -> Result<(), String> {
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
