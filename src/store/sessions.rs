//! Sessions in PostgreSQL (`tower_sessions.session`), read together with who they belong
//! to: loading a signed-in session also reads the person, their org and every role in
//! the same statement, so a page learns who is asking in one round trip instead of two.
//!
//! The actor travels in the loaded record under `ACTOR_KEY` (as JSON) and is never
//! written back: `save` drops it. It is read afresh with every request's session, so a
//! role change or a disabled person takes effect on the next request on every instance,
//! and a session deleted by one instance (sign-out) is gone for all. Records are
//! encoded with MessagePack, as `tower-sessions-sqlx-store` wrote them, so sessions
//! written before this store stay valid.

use std::collections::HashMap;

use crate::db::Pool;
use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;
use uuid::Uuid;

/// The key of a loaded record that holds its person's actor row (see the module note).
pub const ACTOR_KEY: &str = "_actor";

/// Which person a session's data says it is signed in as (the auth layer knows its own
/// keys; the store only keeps the answer in `person_id`).
pub type PersonOf = fn(&HashMap<String, Value>) -> Option<Uuid>;

#[derive(Clone)]
pub struct PgSessionStore {
    pool: Pool,
    person_of: PersonOf,
}

impl std::fmt::Debug for PgSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSessionStore").finish_non_exhaustive()
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl PgSessionStore {
    pub fn new(pool: Pool, person_of: PersonOf) -> Self {
        Self { pool, person_of }
    }

    /// The record as stored: without the actor a load brought along.
    fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
        let encoded = if record.data.contains_key(ACTOR_KEY) {
            let mut kept = record.clone();
            kept.data.remove(ACTOR_KEY);
            rmp_serde::to_vec(&kept)
        } else {
            rmp_serde::to_vec(record)
        };
        encoded.map_err(|e| session_store::Error::Encode(e.to_string()))
    }

    /// Writes the record; with `only_new`, only when its id is not taken (answers
    /// whether it was written).
    async fn write(&self, record: &Record, only_new: bool) -> session_store::Result<bool> {
        let sql = if only_new {
            "INSERT INTO tower_sessions.session (id, data, expiry_date, person_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING"
        } else {
            "INSERT INTO tower_sessions.session (id, data, expiry_date, person_id)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE
             SET data = excluded.data, expiry_date = excluded.expiry_date, person_id = excluded.person_id"
        };
        let done = sqlx::query(sql)
            .bind(record.id.to_string())
            .bind(Self::encode(record)?)
            .bind(record.expiry_date)
            .bind((self.person_of)(&record.data))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }
}

#[derive(sqlx::FromRow)]
struct Loaded {
    data: Vec<u8>,
    actor: Option<Value>,
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A taken id (vanishingly rare) gets another; never someone else's session.
        while !self.write(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let actor = crate::store::people::actor_select("s.person_id");
        let loaded: Option<Loaded> = sqlx::query_as(&format!(
            "SELECT s.data, (SELECT to_jsonb(a) FROM ({actor}) a) AS actor
             FROM tower_sessions.session s
             WHERE s.id = $1 AND s.expiry_date > $2"
        ))
        .bind(id.to_string())
        .bind(OffsetDateTime::now_utc())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(loaded) = loaded else {
            return Ok(None);
        };
        let mut record: Record = rmp_serde::from_slice(&loaded.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        if let Some(actor) = loaded.actor {
            record.data.insert(ACTOR_KEY.into(), actor);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM tower_sessions.session WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
