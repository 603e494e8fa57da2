//! Request and response extensions the middleware and the extractors pass each other:
//! internal signals that never reach the client (unlike a header would).

use std::sync::{Arc, Mutex};

use crate::tenancy::actor::SlotActor;

/// Filled by the extractors so request-level middleware (audit of denials, logs) knows
/// who asked.
#[derive(Clone, Default)]
pub struct ActorSlot(pub Arc<Mutex<Option<SlotActor>>>);

/// Which check refused a request, when it was not the access policy (the CSRF check
/// says so). A response extension.
#[derive(Clone, Copy, Debug)]
pub struct RefusedBy(pub &'static str);
