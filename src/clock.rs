//! Time is a parameter (DESIGN convention 7): every rule that depends on "now" asks the
//! clock in the application state, so tests can move time forward.

use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[derive(Clone, Default)]
pub struct Clock {
    /// Offset added to the system time; only tests change it.
    offset: Arc<Mutex<Duration>>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let offset = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        OffsetDateTime::now_utc() + offset
    }

    /// Moves this clock forward (tests only, but harmless elsewhere).
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset += by;
    }
}
