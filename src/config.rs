//! Typed configuration, read once from the environment at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::auth::secrets::SecretsKey;
use crate::http::TrustedProxies;
use crate::jobs::worker::Mail;

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
    /// Proxies whose `X-Forwarded-For` / `Forwarded` are believed (`HUB_TRUSTED_PROXIES`,
    /// comma-separated CIDRs, default none).
    pub trusted_proxies: TrustedProxies,
    /// Where `/metrics` is served, apart from the portal (`HUB_METRICS_BIND`, default
    /// `127.0.0.1:9090`; `off` serves no metrics).
    pub metrics_bind: Option<SocketAddr>,
    /// True when `HUB_METRICS_BIND` was set: then a listener that cannot be opened stops
    /// the server. The default port may be taken (Prometheus itself likes 9090); that only
    /// costs the metrics, with a warning.
    pub metrics_bind_explicit: bool,
    /// How automatic emails leave: `HUB_SMTP_URL` (unset keeps them in the outbox) and
    /// the sender `HUB_MAIL_FROM`.
    pub mail: Mail,
    /// Where the CSS and scripts are: `HUB_STATIC_DIR`, else `./static`, else the
    /// source tree's.
    pub static_dir: PathBuf,
    /// The key that seals OIDC client secrets at rest (`HUB_SECRETS_KEY`, 32 bytes in
    /// base64). Without it no OIDC IdP can be saved, and a server whose database holds
    /// one refuses to start.
    pub secrets_key: Option<SecretsKey>,
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
        let trusted_proxies =
            TrustedProxies::parse(&std::env::var("HUB_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("HUB_TRUSTED_PROXIES: {e}"))?;
        let metrics_bind_explicit = std::env::var_os("HUB_METRICS_BIND").is_some();
        let metrics_bind = match std::env::var("HUB_METRICS_BIND") {
            Ok(v) if v.trim().eq_ignore_ascii_case("off") => None,
            Ok(v) => Some(v.trim().parse().map_err(|e| {
                anyhow::anyhow!("HUB_METRICS_BIND={v:?} is not an address (or `off`): {e}")
            })?),
            Err(_) => Some(SocketAddr::from(([127, 0, 0, 1], 9090))),
        };
        let default_mail = Mail::default();
        let mail = Mail {
            smtp_url: std::env::var("HUB_SMTP_URL").ok().filter(|u| !u.is_empty()),
            from: std::env::var("HUB_MAIL_FROM")
                .ok()
                .filter(|f| !f.is_empty())
                .unwrap_or(default_mail.from),
            links: public_url.trim_end_matches('/').to_string(),
        };
        let static_dir = std::env::var("HUB_STATIC_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| default_static_dir());
        let secrets_key = match std::env::var("HUB_SECRETS_KEY") {
            Ok(v) if !v.trim().is_empty() => Some(SecretsKey::parse(&v)?),
            _ => None,
        };
        Ok(Self {
            bind,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            run_worker,
            trusted_proxies,
            metrics_bind,
            metrics_bind_explicit,
            mail,
            static_dir,
            secrets_key,
        })
    }

    /// A configuration for serving on `bind` over `database_url` with every other
    /// setting at its default, except that no metrics listener is opened (tests and
    /// benchmarks start many apps in one process; they open their own).
    pub fn local(bind: SocketAddr, database_url: String) -> Self {
        Self {
            bind,
            database_url,
            public_url: format!("http://{bind}"),
            run_worker: false,
            trusted_proxies: TrustedProxies::default(),
            metrics_bind: None,
            metrics_bind_explicit: false,
            mail: Mail {
                links: format!("http://{bind}"),
                ..Mail::default()
            },
            static_dir: default_static_dir(),
            secrets_key: Some(SecretsKey::random()),
        }
    }

    /// True when users reach us over https: cookies get `Secure` and the `__Host-` prefix,
    /// and responses carry HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// `./static` when the binary runs from a checkout or an unpacked release, else the
/// source tree's (tests and `cargo run` from elsewhere).
fn default_static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}
