//! Queue operations. Every function takes `now` from the caller's clock so tests can
//! move time (leases, backoff).

use crate::db::Pool;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgExecutor;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub org_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
}

impl<'a> NewJob<'a> {
    pub fn new(kind: &'a str, payload: serde_json::Value) -> Self {
        Self {
            kind,
            org_id: None,
            payload,
            max_attempts: 5,
        }
    }
}

/// A job's payload, its kind and how often it is tried.
pub trait JobPayload: Serialize + DeserializeOwned {
    const KIND: &'static str;
    /// Attempts before the job is `dead`.
    const MAX_ATTEMPTS: i32;
    /// The org the job is about, recorded on the job row (the jobs page shows it).
    fn org_id(&self) -> Option<Uuid>;

    /// The job to enqueue for this payload.
    fn job(&self) -> serde_json::Result<NewJob<'static>> {
        Ok(NewJob {
            kind: Self::KIND,
            org_id: self.org_id(),
            payload: serde_json::to_value(self)?,
            max_attempts: Self::MAX_ATTEMPTS,
        })
    }

    /// Reads the payload of a claimed job of this kind.
    fn of(job: &ClaimedJob) -> serde_json::Result<Self> {
        serde_json::from_value(job.payload.clone())
    }
}

/// Enqueues the job a typed payload describes (see `payloads`), inside the caller's
/// transaction like `enqueue`.
pub async fn enqueue_payload<P: JobPayload>(
    conn: &mut sqlx::PgConnection,
    payload: &P,
    now: OffsetDateTime,
) -> sqlx::Result<i64> {
    let job = payload
        .job()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    enqueue(conn, &job, now).await
}

/// Enqueues `payload` unless a job of its kind is queued or running. `lock` is the
/// advisory lock that serialises the schedulers of every instance, so two of them
/// cannot both see none pending and both enqueue.
pub async fn enqueue_unless_pending<P: JobPayload>(
    conn: &mut sqlx::PgConnection,
    payload: &P,
    lock: i64,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock)
        .execute(&mut *conn)
        .await?;
    let pending: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND state IN ('queued', 'running'))",
    )
    .bind(P::KIND)
    .fetch_one(&mut *conn)
    .await?;
    if !pending {
        enqueue_payload(conn, payload, now).await?;
    }
    Ok(())
}

/// Adds a job. Call it inside the transaction that makes the business change, so the
/// job exists exactly when the change does. Wakes idle workers on commit.
pub async fn enqueue(
    conn: &mut sqlx::PgConnection,
    job: &NewJob<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<i64> {
    // The wake-up is sent with the insert, in one round trip (delivered at commit).
    sqlx::query_scalar(
        "WITH j AS (INSERT INTO jobs (kind, org_id, payload, max_attempts, run_at, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id)
         SELECT j.id FROM j, pg_notify('jobs', '')",
    )
    .bind(job.kind)
    .bind(job.org_id)
    .bind(&job.payload)
    .bind(job.max_attempts)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
}

/// Many jobs in one statement, with one wake-up (delivered at commit).
pub async fn enqueue_many(
    conn: &mut sqlx::PgConnection,
    jobs: &[NewJob<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "WITH j AS (INSERT INTO jobs (kind, org_id, payload, max_attempts, run_at, created_at, updated_at)
                    SELECT kind, org_id, payload, max_attempts, $1, $1, $1
                    FROM UNNEST($2::text[], $3::uuid[], $4::jsonb[], $5::int[]) AS n (kind, org_id, payload, max_attempts)
                    RETURNING 1)
         SELECT count(*) FROM j, pg_notify('jobs', '')",
    )
    .bind(now)
    .bind(jobs.iter().map(|j| j.kind).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.org_id).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.payload.clone()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.max_attempts).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Enqueues the jobs typed payloads describe, like `enqueue_many`.
pub async fn enqueue_payloads<P: JobPayload>(
    conn: &mut sqlx::PgConnection,
    payloads: &[P],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let jobs = payloads
        .iter()
        .map(P::job)
        .collect::<serde_json::Result<Vec<_>>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    enqueue_many(conn, &jobs, now).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub org_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Takes the next runnable job — queued and due, or running under an expired lease
/// (its worker died) — and leases it to `worker` until `now + lease`.
pub async fn claim(
    db: &Pool,
    worker: &str,
    now: OffsetDateTime,
    lease: Duration,
) -> sqlx::Result<Option<ClaimedJob>> {
    Ok(claim_many(db, worker, now, lease, 1).await?.pop())
}

/// Takes up to `n` runnable jobs at once (oldest due first), as `claim` takes one: a
/// worker with several free slots fills them in one round trip.
pub async fn claim_many(
    db: &Pool,
    worker: &str,
    now: OffsetDateTime,
    lease: Duration,
    n: usize,
) -> sqlx::Result<Vec<ClaimedJob>> {
    let mut jobs: Vec<ClaimedJob> = sqlx::query_as(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $3, updated_at = $2
         WHERE id IN (
             SELECT id FROM jobs
             WHERE ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND locked_until < $2))
               AND attempts < max_attempts
             ORDER BY run_at, id
             FOR UPDATE SKIP LOCKED LIMIT $4)
         RETURNING id, kind, org_id, payload, attempts, max_attempts",
    )
    .bind(worker)
    .bind(now)
    .bind(now + lease)
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    // RETURNING follows no order; run the oldest first.
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Jobs whose lease ran out on their last allowed attempt are dead.
pub async fn reap(db: impl PgExecutor<'_>, now: OffsetDateTime) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE jobs SET state = 'dead', finished_at = $1, updated_at = $1, locked_by = NULL, locked_until = NULL,
                last_error = coalesce(last_error, 'the worker stopped while running the last attempt')
         WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(db)
    .await?
    .rows_affected())
}

/// Extends the lease. Returns false when the job is no longer this worker's.
pub async fn heartbeat(
    db: impl PgExecutor<'_>,
    id: i64,
    worker: &str,
    now: OffsetDateTime,
    lease: Duration,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = $3, updated_at = $4 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(now + lease)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn succeed(
    db: impl PgExecutor<'_>,
    id: i64,
    worker: &str,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'succeeded', finished_at = $3, updated_at = $3, locked_by = NULL, locked_until = NULL,
                last_error = NULL
         WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failure: back to the queue after `retry_in`, or dead after the last attempt.
pub async fn fail(
    db: impl PgExecutor<'_>,
    id: i64,
    worker: &str,
    now: OffsetDateTime,
    retry_in: Duration,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET
             state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
             finished_at = CASE WHEN attempts >= max_attempts THEN $3 END,
             run_at = $4, last_error = $5, updated_at = $3, locked_by = NULL, locked_until = NULL
         WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .bind(now + retry_in)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub run_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// Jobs about an org or the customers it onboarded, newest first. A parent partner sees
/// its sub-partners' customers' jobs only from inside their hub (cross-launch, SPEC §1).
pub async fn list_for_org(
    db: impl PgExecutor<'_>,
    org_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as(
        "SELECT id, kind, state, attempts, max_attempts, last_error, run_at, created_at, finished_at FROM jobs
         WHERE org_id = $1 OR org_id IN (SELECT managed_org_id FROM org_relationships WHERE manager_org_id = $1 AND relation = 'onboarded')
         ORDER BY id DESC LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Puts a dead job of this org (or its customers) back in the queue with fresh attempts.
/// Returns false when there is no such dead job in scope.
pub async fn retry_dead(
    db: impl PgExecutor<'_>,
    org_id: Uuid,
    id: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $3, updated_at = $3, finished_at = NULL
         WHERE id = $2 AND state = 'dead'
           AND (org_id = $1 OR org_id IN (SELECT managed_org_id FROM org_relationships WHERE manager_org_id = $1 AND relation = 'onboarded'))",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Is this job in the org's scope at all (for 404 versus "not dead")?
pub async fn exists_for_org(db: impl PgExecutor<'_>, org_id: Uuid, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $2
           AND (org_id = $1 OR org_id IN (SELECT managed_org_id FROM org_relationships WHERE manager_org_id = $1 AND relation = 'onboarded')))",
    )
    .bind(org_id)
    .bind(id)
    .fetch_one(db)
    .await
}

/// Counts by state, for `/metrics`.
pub async fn counts_by_state(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")
        .fetch_all(db)
        .await
}
