//! The server's connection pool (`db::Pool`): a connection goes back without a round
//! trip, and what sqlx's ping on release used to flush is still flushed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wholesale_hub::db::Pool;

use crate::common::{fresh_database, url_for};

/// A TCP relay to PostgreSQL that counts the bytes clients send through it.
async fn counting_relay(db_url: &str) -> (String, Arc<AtomicU64>) {
    let (_, after_at) = db_url.split_once('@').unwrap();
    let target = after_at.split('/').next().unwrap().to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let relayed = db_url.replace(&target, &format!("127.0.0.1:{port}"));
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let outbound = TcpStream::connect(target.clone()).await.unwrap();
            let counter = counter.clone();
            tokio::spawn(async move {
                let (mut from_client, mut to_client) = inbound.into_split();
                let (mut from_server, mut to_server) = outbound.into_split();
                let up = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = from_client.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        counter.fetch_add(n as u64, Ordering::SeqCst);
                        if to_server.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let down = tokio::io::copy(&mut from_server, &mut to_client);
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    (relayed, sent)
}

/// Bytes sent for 10 more runs of one statement, once it is prepared.
async fn bytes_for_ten(sent: &AtomicU64, mut run: impl AsyncFnMut()) -> u64 {
    run().await; // prepares the statement
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = sent.load(Ordering::SeqCst);
    for _ in 0..10 {
        run().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    sent.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn a_statement_on_the_pool_sends_what_it_sends_on_a_lone_connection() {
    let db_url = url_for(&fresh_database(false).await);
    let (relayed, sent) = counting_relay(&db_url).await;
    let sql = "SELECT $1::int + 1";

    let mut lone = PgConnection::connect(&relayed).await.unwrap();
    let lone_bytes = bytes_for_ten(&sent, async || {
        let _: i32 = sqlx::query_scalar(sql)
            .bind(1)
            .fetch_one(&mut lone)
            .await
            .unwrap();
    })
    .await;

    let pool = Pool::new(relayed.parse().unwrap(), 1);
    let pool_bytes = bytes_for_ten(&sent, async || {
        let _: i32 = sqlx::query_scalar(sql)
            .bind(1)
            .fetch_one(&pool)
            .await
            .unwrap();
    })
    .await;

    assert!(lone_bytes > 0);
    assert_eq!(
        pool_bytes, lone_bytes,
        "taking a connection from the pool and giving it back adds nothing on the wire \
         (sqlx's own pool sends a Sync, 5 bytes, on every return)"
    );
    pool.close().await;
}

#[tokio::test]
async fn a_transaction_dropped_unfinished_is_rolled_back_at_once() {
    let db_url = url_for(&fresh_database(false).await);
    let pool = Pool::new(db_url.parse().unwrap(), 2);
    {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(4242)")
            .execute(&mut *tx)
            .await
            .unwrap();
        // Dropped here without commit, as when a request's future is cancelled.
    }
    // Nobody uses the pool again: the rollback must reach the server by itself.
    let mut other = PgConnection::connect(&db_url).await.unwrap();
    let mut released = false;
    for _ in 0..40 {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(4242)")
            .fetch_one(&mut other)
            .await
            .unwrap();
        if got {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(released, "the dropped transaction's lock was released");
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut other)
    .await
    .unwrap();
    assert_eq!(open, 0, "no transaction is left open on an idle connection");

    // The connection went back and works, outside any transaction.
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(held, 1, "only the other connection's lock is held");
    pool.close().await;
}

#[tokio::test]
async fn a_committed_transaction_is_kept_and_its_connection_reused() {
    let db_url = url_for(&fresh_database(false).await);
    let pool = Pool::new(db_url.parse().unwrap(), 1);
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("CREATE TABLE kept (n int)")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES (7)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // One connection in all: the next statement gets the same one, out of the
    // transaction.
    let n: i32 = sqlx::query_scalar("SELECT n FROM kept")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 7);
    // SAVEPOINT works only inside a transaction block.
    let outside = sqlx::query("SAVEPOINT probe")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(
        outside
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("25P01"),
        "the reused connection is outside any transaction: {outside}"
    );
    pool.close().await;
}
