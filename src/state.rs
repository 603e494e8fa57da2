//! What every handler, service and job is given: the pools, configuration, clock and
//! the few shared pieces of the running server. Built once by `build` in `lib.rs`.

use std::sync::Arc;

use crate::db::Pool;
use axum::response::Response;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::AppError;
use crate::jobs::backlog::Backlog;
use crate::metrics::Metrics;
use crate::paths;

#[derive(Clone)]
pub struct AppState {
    pub db: Pool,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    /// Verified against when an account does not exist (equal timing).
    pub decoy_hash: Arc<str>,
    /// The pool whose statements keep one plan (`db::connect_generic_plans_lazy`): the
    /// customers list's, and Control Hub's users list without filters.
    pub list_db: Pool,
    /// The job queue's depth, for refusing creations while the workers are behind.
    pub backlog: Arc<Backlog>,
    /// How each door renders an error, for the middleware both share.
    pub renderers: Renderers,
    /// Slots for password verifications (argon2 takes ~19 MiB each): a flood of
    /// sign-ins waits here instead of exhausting memory (`services::sign_in`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
}

/// How each door renders an `AppError`: pages as an HTML page, the API in the vendor's
/// JSON error body.
#[derive(Clone, Copy)]
pub struct Renderers {
    pub page: fn(AppError) -> Response,
    pub api: fn(AppError) -> Response,
}

impl Renderers {
    /// The error as the door of `path` renders it.
    pub fn render(&self, path: &str, err: AppError) -> Response {
        if paths::is_api_path(path) {
            (self.api)(err)
        } else {
            (self.page)(err)
        }
    }
}
