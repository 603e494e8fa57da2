//! Automatic emails leave through SMTP when a server is configured.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wholesale_hub::jobs::queue;
use wholesale_hub::jobs::worker::Mail;
use wholesale_hub::jobs::{Registry, Worker};
use wholesale_hub::store::emails::NewEmail;

use crate::common::*;

/// A minimal SMTP server that accepts every message and keeps what it received.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push(std::mem::take(&mut data));
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 OK\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, received)
}

fn registry() -> Registry {
    let mut r = Registry::default();
    r.register(
        wholesale_hub::services::emails::DELIVER_JOB,
        wholesale_hub::services::emails::run_delivery,
    );
    r
}

async fn queue_email(app: &TestApp) -> uuid::Uuid {
    let mut tx = app.db.begin().await.unwrap();
    let id = wholesale_hub::services::emails::send(
        &mut tx,
        &NewEmail {
            org_id: None,
            to: "owner@example.com",
            subject: "Hello there",
            body: "First line\nSecond line",
            kind: "test",
            secret: None,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn with_smtp_configured_the_outbox_is_delivered_once() {
    let app = spawn_app_empty().await;
    let (port, received) = smtp_sink().await;
    let id = queue_email(&app).await;
    let mut worker = Worker::new(app.db.clone(), app.clock.clone(), registry());
    worker.mail = Mail {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: "Hub <hub@example.com>".into(),
        ..Mail::default()
    };
    let job = queue::claim(&app.db, &worker.id, app.clock.now(), worker.lease)
        .await
        .unwrap()
        .unwrap();
    worker.execute(job.clone()).await;
    let sent: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT sent_at FROM email_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(sent.is_some(), "marked sent");
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("Subject: Hello there")
            && messages[0].contains("To: owner@example.com")
    );
    assert!(messages[0].contains("Second line"));
    // Running the job again (a retried job) sends nothing more.
    let state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
        .bind(job.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(state, "succeeded");
    let ctx = wholesale_hub::jobs::worker::JobContext {
        db: app.db.clone(),
        clock: app.clock.clone(),
        mail: worker.mail.clone(),
    };
    wholesale_hub::services::emails::run_delivery(ctx, job)
        .await
        .unwrap();
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn without_smtp_the_email_stays_in_the_outbox() {
    let app = spawn_app_empty().await;
    let id = queue_email(&app).await;
    let worker = Worker::new(app.db.clone(), app.clock.clone(), registry());
    let job = queue::claim(&app.db, &worker.id, app.clock.now(), worker.lease)
        .await
        .unwrap()
        .unwrap();
    worker.execute(job).await;
    let sent: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT sent_at FROM email_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(sent.is_none());
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_retried_and_the_error_recorded() {
    let app = spawn_app_empty().await;
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let id = queue_email(&app).await;
    let mut worker = Worker::new(app.db.clone(), app.clock.clone(), registry());
    worker.mail = Mail {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: "Hub <hub@example.com>".into(),
        ..Mail::default()
    };
    let job = queue::claim(&app.db, &worker.id, app.clock.now(), worker.lease)
        .await
        .unwrap()
        .unwrap();
    worker.execute(job.clone()).await;
    let (state, last_error): (String, Option<String>) =
        sqlx::query_as("SELECT state, last_error FROM jobs WHERE id = $1")
            .bind(job.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(state, "queued", "retried later");
    assert!(last_error.is_some());
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM email_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(recorded.is_some());
}
