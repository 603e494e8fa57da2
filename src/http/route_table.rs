//! A thin wrapper over `axum::Router` that remembers every (method, path) it registers.
//! The authorization test compares this list with its own table, so a new route that
//! nobody thought about for access control fails the build's tests.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{delete, get, post, put};

pub struct RouteTable<S> {
    pub router: Router<S>,
    pub entries: Vec<(Method, &'static str)>,
}

impl<S: Clone + Send + Sync + 'static> RouteTable<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            entries: Vec::new(),
        }
    }

    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.entries.push((Method::GET, path));
        self.router = self.router.route(path, get(handler));
        self
    }

    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.entries.push((Method::POST, path));
        self.router = self.router.route(path, post(handler));
        self
    }

    /// `post` for a form whose body may be larger than every other form's (an upload).
    pub fn post_up_to<H, T>(mut self, path: &'static str, max_bytes: usize, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.entries.push((Method::POST, path));
        self.router = self
            .router
            .route(path, post(handler).layer(DefaultBodyLimit::max(max_bytes)));
        self
    }
}

impl<S: Clone + Send + Sync + 'static> RouteTable<S> {
    pub fn put<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.entries.push((Method::PUT, path));
        self.router = self.router.route(path, put(handler));
        self
    }

    pub fn delete<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.entries.push((Method::DELETE, path));
        self.router = self.router.route(path, delete(handler));
        self
    }
}

impl<S: Clone + Send + Sync + 'static> Default for RouteTable<S> {
    fn default() -> Self {
        Self::new()
    }
}
