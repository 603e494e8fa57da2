//! The worker loop: claims jobs, runs their handlers with a heartbeat, records the
//! outcome. Started by `serve`; any number of processes may run one.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::db::Pool;
use time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::backoff;
use super::queue::{self, ClaimedJob};
use crate::clock::Clock;

/// What a job of one kind does. Handlers must be idempotent: a job whose worker died is
/// run again.
pub type Handler = Arc<
    dyn Fn(JobContext, ClaimedJob) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>
        + Send
        + Sync,
>;

#[derive(Clone)]
pub struct JobContext {
    pub db: Pool,
    pub clock: Clock,
    pub mail: Mail,
}

impl JobContext {
    pub fn new(db: Pool, clock: Clock) -> Self {
        Self {
            db,
            clock,
            mail: Mail::default(),
        }
    }
}

/// How automatic emails leave: over SMTP when a server is configured (`HUB_SMTP_URL`,
/// read into `Config::mail`),
/// otherwise they stay in the outbox for the mailbox page.
#[derive(Clone, Debug)]
pub struct Mail {
    pub smtp_url: Option<String>,
    pub from: String,
    /// The portal's address that links in emails start with (`HUB_PUBLIC_URL`, no
    /// trailing slash).
    pub links: String,
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Wholesale Hub <no-reply@wholesale-hub.invalid>".into(),
            links: "http://127.0.0.1:8080".into(),
        }
    }
}

#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobContext, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.handlers.insert(
            kind.to_string(),
            Arc::new(move |ctx, job| Box::pin(f(ctx, job))),
        );
    }

    fn get(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }
}

/// Jobs a worker runs at once.
pub const CONCURRENCY: usize = 8;

/// How often an idle worker looks for due jobs without being told (retries whose
/// back-off ended, expired leases).
const POLL: std::time::Duration = std::time::Duration::from_millis(1000);

#[derive(Clone)]
pub struct Worker {
    pub id: String,
    pub db: Pool,
    pub clock: Clock,
    pub registry: Registry,
    /// How long a claim holds before another worker may take the job over.
    pub lease: Duration,
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// Where automatic emails go.
    pub mail: Mail,
}

impl Worker {
    pub fn new(db: Pool, clock: Clock, registry: Registry) -> Self {
        Self {
            id: format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple()),
            db,
            clock,
            registry,
            lease: Duration::seconds(30),
            concurrency: CONCURRENCY,
            mail: Mail::default(),
        }
    }

    /// Runs until `stop` is cancelled.
    pub async fn run(self, stop: CancellationToken) {
        let slots = Arc::new(Semaphore::new(self.concurrency));
        // A finished job wakes the loop, so its slot is filled at once.
        let finished = Arc::new(Notify::new());
        let mut reaped_at: Option<std::time::Instant> = None;
        let mut listener = self.db.listener().await.ok();
        if let Some(l) = listener.as_mut()
            && let Err(e) = l.listen("jobs").await
        {
            tracing::warn!(error = %e, "job notifications unavailable; polling only");
            listener = None;
        }
        loop {
            if stop.is_cancelled() {
                break;
            }
            // Dead leases are rare: look for them once per poll interval, not per wake-up.
            if reaped_at.is_none_or(|t| t.elapsed() >= POLL) {
                reaped_at = Some(std::time::Instant::now());
                if let Err(e) = queue::reap(&self.db, self.clock.now()).await {
                    tracing::warn!(error = %e, "could not reap expired jobs");
                }
            }
            // Fill the free slots with claimable jobs, in one claim. The slots are taken
            // first, so every claimed job has one; those left over are given back.
            let free: Vec<_> = std::iter::from_fn(|| slots.clone().try_acquire_owned().ok())
                .take(self.concurrency)
                .collect();
            let mut filled_all = false;
            if !free.is_empty() {
                let n = free.len();
                match queue::claim_many(&self.db, &self.id, self.clock.now(), self.lease, n).await {
                    Ok(jobs) => {
                        filled_all = jobs.len() == n;
                        for (job, permit) in jobs.into_iter().zip(free) {
                            let (worker, finished) = (self.clone(), finished.clone());
                            tokio::spawn(async move {
                                worker.execute(job).await;
                                drop(permit);
                                finished.notify_one();
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not claim a job"),
                }
            }
            if filled_all {
                // More may be waiting: go on as soon as a slot frees.
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = finished.notified() => {}
                }
                continue;
            }
            // Wait for a new job, a finished one, a poll tick, or stop.
            let tick = tokio::time::sleep(POLL);
            match listener.as_mut() {
                Some(l) => tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tick => {}
                    _ = finished.notified(), if slots.available_permits() == 0 => {}
                    r = l.recv() => if r.is_err() { tokio::time::sleep(std::time::Duration::from_millis(500)).await },
                },
                None => tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tick => {}
                    _ = finished.notified(), if slots.available_permits() == 0 => {}
                },
            }
        }
    }

    /// Runs every job that is due now, one after another, until none is left — those
    /// that the finished ones made due included — and returns how many ran. Jobs are
    /// claimed, run and recorded as by `run`; a job that fails waits out its back-off, so
    /// it is not run twice by one call. For one-shot work (a command, a test) beside or
    /// instead of the loop.
    pub async fn run_due(&self) -> usize {
        let mut ran = 0;
        loop {
            if let Err(e) = queue::reap(&self.db, self.clock.now()).await {
                tracing::warn!(error = %e, "could not reap expired jobs");
            }
            // One at a time: a job claimed is run at once, so no lease waits on another.
            match queue::claim(&self.db, &self.id, self.clock.now(), self.lease).await {
                Ok(Some(job)) => {
                    self.execute(job).await;
                    ran += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim a job");
                    break;
                }
            }
        }
        ran
    }

    /// Runs one claimed job to its outcome.
    pub async fn execute(&self, job: ClaimedJob) {
        let Some(handler) = self.registry.get(&job.kind) else {
            let _ = queue::fail(
                &self.db,
                job.id,
                &self.id,
                self.clock.now(),
                Duration::minutes(5),
                "no handler for this kind",
            )
            .await;
            return;
        };
        let ctx = JobContext {
            db: self.db.clone(),
            clock: self.clock.clone(),
            mail: self.mail.clone(),
        };
        let heartbeat = {
            let (db, id, worker, clock, lease) = (
                self.db.clone(),
                job.id,
                self.id.clone(),
                self.clock.clone(),
                self.lease,
            );
            tokio::spawn(async move {
                let every =
                    std::time::Duration::from_secs_f64((lease.as_seconds_f64() / 3.0).max(0.05));
                loop {
                    tokio::time::sleep(every).await;
                    match queue::heartbeat(&db, id, &worker, clock.now(), lease).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => tracing::warn!(error = %e, job = id, "heartbeat failed"),
                    }
                }
            })
        };
        let span =
            tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
        let (id, attempts) = (job.id, job.attempts);
        let outcome = tracing::Instrument::instrument(handler(ctx, job), span).await;
        heartbeat.abort();
        let now = self.clock.now();
        let recorded = match outcome {
            Ok(()) => queue::succeed(&self.db, id, &self.id, now)
                .await
                .map(|_| ()),
            Err(e) => {
                tracing::warn!(job = id, error = %format!("{e:#}"), "job failed");
                let delay = backoff::delay_after(attempts, &mut rand::thread_rng());
                queue::fail(&self.db, id, &self.id, now, delay, &format!("{e:#}")).await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(job = id, error = %e, "could not record a job's outcome; its lease will expire");
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "worker".into())
}
