//! The Postgres job queue: exclusive claims, leases that outlive dead workers,
//! heartbeats, backoff and death after the last attempt.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use time::Duration;
use tokio_util::sync::CancellationToken;
use wholesale_hub::jobs::queue::{self, NewJob};
use wholesale_hub::jobs::{Registry, Worker};

use crate::common::*;

async fn enqueue(app: &TestApp, kind: &str, max_attempts: i32) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    let job = NewJob {
        kind,
        org_id: None,
        payload: serde_json::json!({}),
        max_attempts,
    };
    queue::enqueue(&mut conn, &job, app.clock.now())
        .await
        .unwrap()
}

async fn state_of(app: &TestApp, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn registry() -> Registry {
    let mut r = Registry::default();
    r.register("test.record", |ctx, job| async move {
        sqlx::query("INSERT INTO test_runs (job_id) VALUES ($1)")
            .bind(job.id)
            .execute(&ctx.db)
            .await?;
        tokio::time::sleep(StdDuration::from_millis(5)).await;
        Ok(())
    });
    r.register("test.fail", |_ctx, _job| async move {
        Err(anyhow::anyhow!("the vendor said no"))
    });
    r.register("test.slow", |_ctx, _job| async move {
        tokio::time::sleep(StdDuration::from_millis(2500)).await;
        Ok(())
    });
    r
}

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_job_twice() {
    let app = spawn_app_empty().await;
    for _ in 0..60 {
        enqueue(&app, "test.record", 5).await;
    }
    let mut tasks = vec![];
    for w in 0..8 {
        let (db, now) = (app.db.clone(), app.clock.now());
        tasks.push(tokio::spawn(async move {
            let mut got = vec![];
            while let Some(job) = queue::claim(&db, &format!("w{w}"), now, Duration::seconds(30))
                .await
                .unwrap()
            {
                got.push(job.id);
            }
            got
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 60);
    assert_eq!(distinct.len(), 60, "a job was claimed twice");
}

#[tokio::test]
async fn two_workers_run_every_job_exactly_once() {
    let app = spawn_app_empty().await;
    sqlx::query("CREATE TABLE test_runs (job_id bigint NOT NULL)")
        .execute(&app.db)
        .await
        .unwrap();
    let mut ids = vec![];
    for _ in 0..40 {
        ids.push(enqueue(&app, "test.record", 5).await);
    }
    let stop = CancellationToken::new();
    for _ in 0..2 {
        let w = Worker::new(app.db.clone(), app.clock.clone(), registry());
        tokio::spawn(w.run(stop.clone()));
    }
    let mut done = 0i64;
    for _ in 0..100 {
        done = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
            .fetch_one(&app.db)
            .await
            .unwrap();
        if done == 40 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    stop.cancel();
    assert_eq!(done, 40);
    let (runs, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT job_id) FROM test_runs")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((runs, distinct), (40, 40));
    let workers: i64 = sqlx::query_scalar("SELECT count(DISTINCT locked_by) FROM jobs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(workers, 0, "finished jobs hold no lease");
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_after_its_lease() {
    let app = spawn_app_empty().await;
    let id = enqueue(&app, "test.record", 5).await;
    let lease = Duration::seconds(30);
    let claimed = queue::claim(&app.db, "crashed-worker", app.clock.now(), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, id);
    // The worker dies here: no heartbeat, no outcome.
    assert!(
        queue::claim(&app.db, "other", app.clock.now(), lease)
            .await
            .unwrap()
            .is_none(),
        "leased"
    );
    app.clock.advance(Duration::seconds(31));
    let again = queue::claim(&app.db, "other", app.clock.now(), lease)
        .await
        .unwrap()
        .expect("re-run after the lease");
    assert_eq!((again.id, again.attempts), (id, 2));
    // The dead worker cannot record an outcome for a job it no longer holds.
    assert!(
        !queue::succeed(&app.db, id, "crashed-worker", app.clock.now())
            .await
            .unwrap()
    );
    assert!(
        queue::succeed(&app.db, id, "other", app.clock.now())
            .await
            .unwrap()
    );
    assert_eq!(state_of(&app, id).await.0, "succeeded");
}

#[tokio::test]
async fn a_lease_that_expires_on_the_last_attempt_leaves_the_job_dead() {
    let app = spawn_app_empty().await;
    let id = enqueue(&app, "test.record", 1).await;
    queue::claim(&app.db, "crashed", app.clock.now(), Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    app.clock.advance(Duration::minutes(1));
    assert!(
        queue::claim(&app.db, "other", app.clock.now(), Duration::seconds(30))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(queue::reap(&app.db, app.clock.now()).await.unwrap(), 1);
    let (state, _, error) = state_of(&app, id).await;
    assert_eq!(state, "dead");
    assert!(error.unwrap().contains("stopped"));
}

#[tokio::test]
async fn a_failing_job_backs_off_and_ends_dead_after_the_maximum_attempts() {
    let app = spawn_app_empty().await;
    let id = enqueue(&app, "test.fail", 3).await;
    let worker = Worker::new(app.db.clone(), app.clock.clone(), registry());
    for attempt in 1..=3 {
        let job = queue::claim(&app.db, &worker.id, app.clock.now(), worker.lease)
            .await
            .unwrap()
            .expect("due");
        assert_eq!(job.attempts, attempt);
        worker.execute(job).await;
        let (state, attempts, error) = state_of(&app, id).await;
        assert_eq!(attempts, attempt);
        assert!(error.unwrap().contains("the vendor said no"));
        if attempt < 3 {
            assert_eq!(state, "queued");
            let wait: f64 = sqlx::query_scalar(
                "SELECT extract(epoch FROM run_at - $2)::float8 FROM jobs WHERE id = $1",
            )
            .bind(id)
            .bind(app.clock.now())
            .fetch_one(&app.db)
            .await
            .unwrap();
            let nominal = 2.0 * 2f64.powi(attempt - 1);
            assert!(
                wait >= nominal * 0.74 && wait <= nominal * 1.26,
                "attempt {attempt} waits {wait}s"
            );
            assert!(
                queue::claim(&app.db, "x", app.clock.now(), worker.lease)
                    .await
                    .unwrap()
                    .is_none(),
                "not yet due"
            );
            app.clock.advance(Duration::minutes(10));
        } else {
            assert_eq!(state, "dead");
        }
    }
    app.clock.advance(Duration::hours(10));
    assert!(
        queue::claim(&app.db, "x", app.clock.now(), worker.lease)
            .await
            .unwrap()
            .is_none(),
        "dead stays dead"
    );
}

#[tokio::test]
async fn a_heartbeat_keeps_a_long_job_from_being_taken_over() {
    let app = spawn_app_empty().await;
    let id = enqueue(&app, "test.slow", 3).await;
    let mut worker = Worker::new(app.db.clone(), app.clock.clone(), registry());
    worker.lease = Duration::seconds(1);
    let job = queue::claim(&app.db, &worker.id, app.clock.now(), worker.lease)
        .await
        .unwrap()
        .unwrap();
    let running = tokio::spawn({
        let w = worker.clone();
        async move { w.execute(job).await }
    });
    for _ in 0..6 {
        tokio::time::sleep(StdDuration::from_millis(350)).await;
        assert!(
            queue::claim(&app.db, "thief", app.clock.now(), Duration::seconds(1))
                .await
                .unwrap()
                .is_none(),
            "the lease is renewed while the job runs"
        );
    }
    running.await.unwrap();
    assert_eq!(state_of(&app, id).await.0, "succeeded");
}

#[tokio::test]
async fn the_worker_picks_up_new_work_without_waiting_for_a_poll() {
    let app = spawn_app_empty().await;
    sqlx::query("CREATE TABLE test_runs (job_id bigint NOT NULL)")
        .execute(&app.db)
        .await
        .unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(Worker::new(app.db.clone(), app.clock.clone(), registry()).run(stop.clone()));
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let id = enqueue(&app, "test.record", 3).await;
    let started = std::time::Instant::now();
    loop {
        if state_of(&app, id).await.0 == "succeeded" {
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(5),
            "not run within 5 s"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    stop.cancel();
}

/// Every kind of job the app schedules by itself has a handler: the scheduled ones are
/// enqueued as `serve` enqueues them and run by the registry `serve` uses.
#[tokio::test]
async fn the_scheduled_jobs_have_handlers_and_succeed() {
    let app = spawn_app().await;
    let ctx = wholesale_hub::jobs::worker::JobContext::new(app.db.clone(), app.clock.clone());
    wholesale_hub::jobs::housekeeping::ensure_scheduled(&ctx)
        .await
        .unwrap();
    wholesale_hub::services::compliance::ensure_sweep_scheduled(&ctx)
        .await
        .unwrap();
    assert!(app.run_due_jobs().await >= 2);
    let states: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, state FROM jobs ORDER BY kind")
            .fetch_all(&app.db)
            .await
            .unwrap();
    for kind in ["compliance.sweep", "housekeeping"] {
        assert!(
            states.iter().any(|(k, s)| k == kind && s == "succeeded"),
            "{kind}: {states:?}"
        );
    }
}
