//! Real identity providers for the sign-in tests: the Node servers in tests/idp
//! (oidc-provider for OpenID Connect; samlify + xml-crypto for SAML; a hand-made forging
//! OpenID provider for negative protocol tests), one process per call on a free port of
//! 127.0.0.1. Install them once with `npm ci --no-audit --no-fund --prefix tests/idp`
//! (scripts/test does it). See tests/idp/README.md for the endpoints, the `/forge` and
//! `/next` fields and the form selectors.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const IDP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/idp");
/// How long an IdP may take to start. Node loading oidc-provider took over 20 s once on
/// a loaded 2-core machine (the suite beside a release build); this is a wait for
/// readiness, not a measure of anything.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running IdP. Dropping it kills the process (and the process also exits by itself
/// when its stdin closes, so one outliving a crashed test run goes away too).
pub struct IdpProcess {
    pub port: u16,
    /// `http://127.0.0.1:<port>`: the OIDC issuer (also the forge's); the SAML IdP's base URL.
    pub base: String,
    child: Child,
    /// Kept open so the server never writes into a closed pipe.
    _stdout: Lines<BufReader<ChildStdout>>,
}

/// OpenID Connect provider. `clients` is a JSON array of
/// `{"client_id", "client_secret", "redirect_uris": [...]}`; `accounts` are the emails
/// that may sign in (empty: anyone). Its issuer is `self.base`.
pub async fn start_oidc(clients: Value, accounts: &[&str]) -> IdpProcess {
    spawn("oidc.mjs", |port| {
        json!({
            "port": port,
            "issuer": format!("http://127.0.0.1:{port}"),
            "clients": clients,
            "accounts": accounts,
        })
    })
    .await
}

/// Forging OpenID provider (tests/idp/oidc-forge.mjs): discovery, JWKS and a token
/// endpoint that answers whatever [`IdpProcess::next_token`] prepared, signed as asked
/// (RS256 with key A or B, `none`, HS256 keyed with the public key or a secret). No
/// login: a test calls the app's callback with any `code` itself. Its issuer is `self.base`.
pub async fn start_oidc_forge() -> IdpProcess {
    spawn("oidc-forge.mjs", |port| {
        json!({
            "port": port,
            "issuer": format!("http://127.0.0.1:{port}"),
        })
    })
    .await
}

/// SAML IdP for one SP. Its entity id is `self.metadata_url()`.
pub async fn start_saml(sp_entity_id: &str, acs_url: &str) -> IdpProcess {
    spawn("saml-idp.mjs", |port| {
        json!({
            "port": port,
            "entityId": format!("http://127.0.0.1:{port}/metadata"),
            "spEntityId": sp_entity_id,
            "acsUrl": acs_url,
        })
    })
    .await
}

impl IdpProcess {
    /// The SAML IdP's metadata URL, which is also its entity id.
    pub fn metadata_url(&self) -> String {
        format!("{}/metadata", self.base)
    }

    /// SAML only: builds a Response through `POST /forge` (fields in tests/idp/README.md,
    /// e.g. `{"nameId": "a@b.example", "inResponseTo": "_id", "signWith": "other"}`).
    /// Returns (base64 `SAMLResponse`, the same XML as text).
    pub async fn forge(&self, body: Value) -> (String, String) {
        let res = reqwest::Client::new()
            .post(format!("{}/forge", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST /forge to the test SAML IdP");
        let status = res.status();
        let out: Value = res.json().await.expect("/forge answers JSON");
        assert!(
            status.is_success(),
            "POST /forge {body} answered {status}: {out}"
        );
        let field = |name: &str| {
            out[name]
                .as_str()
                .unwrap_or_else(|| panic!("/forge answer has no {name}: {out}"))
                .to_owned()
        };
        (field("SAMLResponse"), field("xml"))
    }

    /// OIDC forge only: sets what the next `POST /token` answers (once), through
    /// `POST /next` (fields in tests/idp/README.md), e.g.
    /// `{"claims": {"iss": .., "sub": .., "aud": .., "exp": .., "iat": .., "nonce": ..},
    /// "alg": "none"}`. The claims go into the ID token verbatim.
    pub async fn next_token(&self, body: Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/next", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST /next to the OIDC forge");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(
            status,
            reqwest::StatusCode::NO_CONTENT,
            "POST /next {body} answered {status}: {text}"
        );
    }

    /// OIDC forge only: request counts, `{"jwks_requests", "token_requests",
    /// "userinfo_requests", "discovery_requests"}`.
    pub async fn stats(&self) -> Value {
        self.get_json("/stats").await
    }

    /// OIDC forge only: publishes key B (`kid` "key-b") in the JWKS from now on.
    pub async fn publish_key_b(&self) {
        let res = reqwest::Client::new()
            .post(format!("{}/publish-b", self.base))
            .send()
            .await
            .expect("POST /publish-b to the OIDC forge");
        assert_eq!(
            res.status(),
            reqwest::StatusCode::NO_CONTENT,
            "POST /publish-b"
        );
    }

    /// OIDC forge only: what the app last sent to `POST /token` (`grant_type`, `code`,
    /// `code_verifier`, `redirect_uri`, `client_id`, `client_secret`, `auth_method`, `form`,
    /// ...; see tests/idp/README.md), or `null` before the first one.
    pub async fn last_token_request(&self) -> Value {
        self.get_json("/last-token-request").await
    }

    async fn get_json(&self, path: &str) -> Value {
        let res = reqwest::get(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("GET {path} from the test IdP: {e}"));
        let status = res.status();
        assert!(status.is_success(), "GET {path} answered {status}");
        res.json()
            .await
            .unwrap_or_else(|e| panic!("GET {path} answers JSON: {e}"))
    }

    /// Stops the IdP now (to test an IdP that has gone away).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A port nobody listens on right now (the OS picks it; the listener is dropped).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Starts `node tests/idp/<script> '<config>'` and waits for its `READY <port>` line.
/// Another process may take the free port before node binds it: then node exits at
/// once, and this tries again on a new port.
async fn spawn(script: &str, config: impl Fn(u16) -> Value) -> IdpProcess {
    let hint = "install the test IdPs with `npm ci --no-audit --no-fund --prefix tests/idp` \
                (needs Node.js 20+; see tests/idp/README.md)";
    for _attempt in 0..3 {
        let port = free_port();
        let mut child = Command::new("node")
            .arg(format!("{IDP_DIR}/{script}"))
            .arg(config(port).to_string())
            .current_dir(IDP_DIR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `node tests/idp/{script}`: {e}; {hint}"));
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let expected = format!("READY {port}");
        let ready = tokio::time::timeout(READY_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if line.trim() == expected {
                    return Ok(true);
                }
            }
            Ok::<bool, std::io::Error>(false) // stdout closed: node exited
        })
        .await;
        match ready {
            Ok(Ok(true)) => {
                return IdpProcess {
                    port,
                    base: format!("http://127.0.0.1:{port}"),
                    child,
                    _stdout: lines,
                };
            }
            // Exited before READY (port taken, or a missing module): try once more, then
            // give up below. Its stderr is already on the test's output.
            Ok(_) => {
                let _ = child.kill().await;
            }
            Err(_) => panic!(
                "tests/idp/{script} did not print `{expected}` within {}s; {hint}",
                READY_TIMEOUT.as_secs()
            ),
        }
    }
    panic!("tests/idp/{script} exited before it was ready, three times; {hint}")
}
