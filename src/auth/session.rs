//! The typed session (DESIGN convention 3): named keys, id cycled on sign-in and
//! cross-launch, idle and absolute timeouts checked against the app clock, and sign-out
//! deleting the record server-side.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppResult;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen` is rewritten at most this often, so reading a page does not always write.
const TOUCH_EVERY: Duration = Duration::seconds(60);

const AUTH: &str = "auth";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// A new synchronizer token for the CSRF check (`auth::csrf`): 32 random bytes.
pub fn new_csrf_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What a signed-in session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub person_id: Uuid,
    /// Unix seconds of sign-in (absolute timeout).
    pub signed_in_at: i64,
    /// Unix seconds of the last request (idle timeout).
    pub last_seen: i64,
    /// The sub-partner a parent admin cross-launched into (SPEC §11).
    pub cross_launch: Option<Uuid>,
}

pub enum SessionState {
    Anonymous,
    Expired,
    Active(SignedIn),
}

/// The person a session's data is signed in as, for the store to keep beside it
/// (`store::sessions::PgSessionStore`).
pub fn person_of(data: &std::collections::HashMap<String, serde_json::Value>) -> Option<Uuid> {
    let auth: SignedIn = serde_json::from_value(data.get(AUTH)?.clone()).ok()?;
    Some(auth.person_id)
}

/// The session as handlers take it: `auth: AuthSession` in a handler's parameters
/// (an extractor), never a raw `tower_sessions::Session` wrapped by hand. It derefs to
/// the raw session for the page drafts that wizards keep in it.
pub struct AuthSession(pub Session);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AuthSession {
    type Rejection = crate::error::AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(AuthSession)
            .map_err(|_| crate::error::AppError::Other(anyhow::anyhow!("session layer missing")))
    }
}

impl std::ops::Deref for AuthSession {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.0
    }
}

impl AuthSession {
    /// Reads the signed-in state, expiring it on idle or absolute timeout.
    pub async fn state(&self, now: OffsetDateTime) -> AppResult<SessionState> {
        let Some(mut auth) = self.0.get::<SignedIn>(AUTH).await? else {
            return Ok(SessionState::Anonymous);
        };
        let now_s = now.unix_timestamp();
        if now_s - auth.last_seen > IDLE_TIMEOUT.whole_seconds()
            || now_s - auth.signed_in_at > ABSOLUTE_TIMEOUT.whole_seconds()
        {
            self.0.flush().await?;
            return Ok(SessionState::Expired);
        }
        if now_s - auth.last_seen >= TOUCH_EVERY.whole_seconds() {
            auth.last_seen = now_s;
            self.0.insert(AUTH, &auth).await?;
        }
        Ok(SessionState::Active(auth))
    }

    /// Starts a signed-in session under a fresh id (no fixation).
    pub async fn sign_in(&self, person_id: Uuid, now: OffsetDateTime) -> AppResult<()> {
        self.0.cycle_id().await?;
        let at = now.unix_timestamp();
        self.0
            .insert(
                AUTH,
                SignedIn {
                    person_id,
                    signed_in_at: at,
                    last_seen: at,
                    cross_launch: None,
                },
            )
            .await?;
        // A new CSRF token for the new privilege level.
        self.0.remove::<String>(CSRF).await?;
        Ok(())
    }

    /// Deletes the session record server-side.
    pub async fn sign_out(&self) -> AppResult<()> {
        self.0.flush().await?;
        Ok(())
    }

    /// Enters or leaves a sub-partner's hub, under a fresh session id.
    pub async fn set_cross_launch(&self, sub_partner: Option<Uuid>) -> AppResult<()> {
        if let Some(mut auth) = self.0.get::<SignedIn>(AUTH).await? {
            auth.cross_launch = sub_partner;
            self.0.cycle_id().await?;
            self.0.insert(AUTH, auth).await?;
        }
        Ok(())
    }

    /// The actor row the store read with this session, when it is `person`'s (see
    /// `store::sessions`); `None` sends the caller to read it itself.
    pub async fn preloaded_actor(
        &self,
        person: Uuid,
    ) -> AppResult<Option<crate::store::people::ActorRecord>> {
        let json = self
            .0
            .get::<serde_json::Value>(crate::store::sessions::ACTOR_KEY)
            .await?;
        Ok(json.and_then(|j| crate::store::people::preloaded_actor(j, person)))
    }

    /// The session's CSRF token, created on first use.
    pub async fn csrf_token(&self) -> AppResult<String> {
        if let Some(t) = self.0.get::<String>(CSRF).await? {
            return Ok(t);
        }
        let token = new_csrf_token();
        self.0.insert(CSRF, &token).await?;
        Ok(token)
    }

    /// The token as stored, without creating one.
    pub async fn stored_csrf_token(&self) -> AppResult<Option<String>> {
        Ok(self.0.get::<String>(CSRF).await?)
    }

    /// A one-time message shown on the next page (post/redirect/get).
    pub async fn flash(&self, message: impl Into<String>) -> AppResult<()> {
        self.0.insert(FLASH, message.into()).await?;
        Ok(())
    }

    pub async fn take_flash(&self) -> AppResult<Option<String>> {
        // Reading first: `remove` marks the session modified (a database write) even
        // when there is nothing to take.
        if self.0.get::<String>(FLASH).await?.is_none() {
            return Ok(None);
        }
        Ok(self.0.remove::<String>(FLASH).await?)
    }
}
