//! The connection pool the server runs on: sqlx connections held by deadpool.
//!
//! Why not sqlx's own pool: it sends a Sync round trip on every connection it takes
//! back (sqlx-core 0.8, `PoolConnection::return_to_pool`, unconditionally), and a page
//! takes a connection once per statement, so a page of three statements made six round
//! trips. On the demo data at 32 connections, dropping that round trip lowered the
//! server's CPU per customer-detail page by 18–29 % and the database's by 9–14 %.
//!
//! Here a connection goes back to the pool without any I/O, and a page makes one round
//! trip per statement. What sqlx's ping on release guarded against is covered instead:
//! - a connection idle for longer than `PING_AFTER_IDLE` is pinged before it is handed
//!   out (after a database restart the idle connections are the broken ones), and one
//!   idle for longer than `IDLE_TIMEOUT` is closed;
//! - a statement run on the pool that fails with a connection error (I/O, TLS,
//!   protocol) takes its connection out of the pool, so the next one is fresh;
//! - a connection that comes back with something unsent (the ROLLBACK sqlx queues
//!   when a transaction is dropped unfinished) is flushed in the background before it
//!   goes back, so no transaction stays open on an idle connection.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::Either;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgQueryResult, PgRow};
use sqlx::{Connection, Describe, Execute, Executor, PgConnection, Postgres, TransactionManager};

/// A connection idle for longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);
/// A connection idle for longer than this is closed instead of handed out, and the
/// pool's sweeper closes it within a minute.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a request waits for a connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub struct Manager {
    options: PgConnectOptions,
}

impl managed::Manager for Manager {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect_with(&self.options).await
    }

    async fn recycle(&self, conn: &mut PgConnection, m: &Metrics) -> RecycleResult<sqlx::Error> {
        if m.last_used() > IDLE_TIMEOUT {
            return Err(RecycleError::message("idle for too long"));
        }
        if m.last_used() > PING_AFTER_IDLE {
            conn.ping().await?;
        }
        Ok(())
    }
}

/// The pool. Cheap to clone; `&Pool` runs statements like sqlx's `&PgPool` does.
#[derive(Clone)]
pub struct Pool {
    inner: managed::Pool<Manager, Conn>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.inner.status())
            .finish()
    }
}

impl Pool {
    /// A pool of at most `max` connections, none opened until first use.
    pub fn new(options: PgConnectOptions, max: usize) -> Self {
        let inner = managed::Pool::builder(Manager { options })
            .max_size(max)
            .wait_timeout(Some(ACQUIRE_TIMEOUT))
            .create_timeout(Some(ACQUIRE_TIMEOUT))
            .recycle_timeout(Some(ACQUIRE_TIMEOUT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .expect("a pool with a runtime and a size");
        Self::sweep_idle(inner.weak());
        Self { inner }
    }

    /// Closes connections nobody used for `IDLE_TIMEOUT`, once a minute, for as long
    /// as the pool exists (outside a runtime, as in a synchronous test, there is none).
    fn sweep_idle(pool: managed::WeakPool<Manager>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(pool) = pool.upgrade() else { return };
                let idle = pool.retain(|_, m| m.last_used() < IDLE_TIMEOUT).removed;
                drop(pool);
                close_all(idle).await;
            }
        });
    }

    /// A connection of its own, for several statements in a row.
    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        self.inner.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Closed => sqlx::Error::PoolClosed,
            _ => sqlx::Error::PoolTimedOut,
        })
    }

    /// A transaction on a connection of its own: committed by `commit`, rolled back
    /// when dropped without it.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        let mut conn = self.acquire().await?;
        if let Err(e) =
            <Postgres as sqlx::Database>::TransactionManager::begin(&mut conn, None).await
        {
            conn.discard_if_broken(&e);
            return Err(e);
        }
        Ok(Tx { conn, done: false })
    }

    /// A listener for `LISTEN` / `NOTIFY` on a connection outside the pool.
    pub async fn listener(&self) -> sqlx::Result<PgListener> {
        let one = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(self.inner.manager().options.clone())
            .await?;
        PgListener::connect_with(&one).await
    }

    /// Closes the idle connections (telling the server, so that it lets go of them at
    /// once) and every connection still out as it comes back.
    pub async fn close(&self) {
        let idle = self.inner.retain(|_, _| false).removed;
        self.inner.close();
        close_all(idle).await;
    }
}

async fn close_all(conns: Vec<PgConnection>) {
    for conn in conns {
        let _ = conn.close().await;
    }
}

/// Errors after which the connection cannot be trusted for another statement.
fn is_broken(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed
    )
}

/// A connection taken from the pool; back to it when dropped.
pub struct Conn {
    obj: Option<Object<Manager>>,
}

impl From<Object<Manager>> for Conn {
    fn from(obj: Object<Manager>) -> Self {
        Self { obj: Some(obj) }
    }
}

impl Conn {
    /// Takes the connection out of the pool when `e` says it is broken.
    fn discard_if_broken(&mut self, e: &sqlx::Error) {
        if is_broken(e)
            && let Some(obj) = self.obj.take()
        {
            drop(Object::take(obj));
        }
    }
}

impl Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.obj.as_ref().expect("a connection until dropped")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.obj.as_mut().expect("a connection until dropped")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(mut obj) = self.obj.take() else {
            return;
        };
        if !obj.should_flush() {
            return; // back to the pool at once
        }
        // Something is queued (a rollback): send it before anyone else gets the
        // connection. Outside a runtime the connection is closed instead.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if obj.flush().await.is_err() {
                        drop(Object::take(obj));
                    }
                });
            }
            Err(_) => drop(Object::take(obj)),
        }
    }
}

/// A transaction on a pooled connection (`Pool::begin`). Derefs to the connection,
/// so `&mut *tx` is what the store's functions take.
pub struct Tx {
    conn: Conn,
    done: bool,
}

impl Tx {
    pub async fn commit(mut self) -> sqlx::Result<()> {
        let r = <Postgres as sqlx::Database>::TransactionManager::commit(&mut self.conn).await;
        self.done = true;
        if let Err(e) = &r {
            self.conn.discard_if_broken(e);
        }
        r
    }

    pub async fn rollback(mut self) -> sqlx::Result<()> {
        let r = <Postgres as sqlx::Database>::TransactionManager::rollback(&mut self.conn).await;
        self.done = true;
        if let Err(e) = &r {
            self.conn.discard_if_broken(e);
        }
        r
    }
}

impl Deref for Tx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if !self.done && self.conn.obj.is_some() {
            // Queued here, sent by `Conn`'s drop right after.
            <Postgres as sqlx::Database>::TransactionManager::start_rollback(&mut self.conn);
        }
    }
}

/// `&Pool` as an executor: each statement on a connection of its own, as with sqlx's
/// pool, minus the round trip on return.
impl<'p> Executor<'p> for &'_ Pool {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut conn = pool.acquire().await?;
            let failed = {
                let mut rows = conn.fetch_many(query);
                let mut failed = None;
                while let Some(item) = rows.next().await {
                    match item {
                        Ok(v) => yield v,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                failed
            };
            if let Some(e) = failed {
                conn.discard_if_broken(&e);
                Err(e)?;
            }
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, sqlx::Result<Option<PgRow>>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut conn = pool.acquire().await?;
            let r = conn.fetch_optional(query).await;
            if let Err(e) = &r {
                conn.discard_if_broken(e);
            }
            r
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [sqlx::postgres::PgTypeInfo],
    ) -> BoxFuture<'e, sqlx::Result<sqlx::postgres::PgStatement<'q>>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.prepare_with(sql, parameters).await })
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, sqlx::Result<Describe<Postgres>>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.describe(sql).await })
    }
}
