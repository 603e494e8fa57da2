//! Typed configuration, read once from the environment at start-up.

use std::net::SocketAddr;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the HTTP server listens (`HUB_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// PostgreSQL connection string (`DATABASE_URL`).
    pub database_url: String,
    /// The address users reach the portal at (`HUB_PUBLIC_URL`). Decides secure cookies,
    /// HSTS and absolute links such as the API's `Location` headers.
    pub public_url: String,
    /// Run the background worker inside this process (`HUB_WORKER`, default on).
    pub run_worker: bool,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let bind = std::env::var("HUB_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind
            .parse()
            .map_err(|e| anyhow::anyhow!("HUB_BIND={bind:?} is not an address: {e}"))?;
        let database_url = std::env::var("DATABASE_URL")
            .map_err(|_| anyhow::anyhow!("DATABASE_URL is not set"))?;
        let public_url =
            std::env::var("HUB_PUBLIC_URL").unwrap_or_else(|_| format!("http://{bind}"));
        let run_worker = std::env::var("HUB_WORKER")
            .map(|v| v != "0" && v != "false")
            .unwrap_or(true);
        Ok(Self {
            bind,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            run_worker,
        })
    }

    /// True when users reach us over https: cookies get `Secure` and the `__Host-` prefix,
    /// and responses carry HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
