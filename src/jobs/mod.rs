//! The background work queue (DESIGN convention 7): a `jobs` table drained with
//! `FOR UPDATE SKIP LOCKED`, leases renewed by heartbeat, exponential backoff with
//! jitter, and `dead` after the last attempt.

pub mod backlog;
pub mod backoff;
pub mod housekeeping;
pub mod payloads;
pub mod queue;
pub mod worker;

pub use queue::{ClaimedJob, NewJob};
pub use worker::{Handler, Registry, Worker};
