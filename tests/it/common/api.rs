//! The REST API in tests: tokens for the demo admins, calls with a bearer token, and
//! the vendor's error body checked.

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use super::{TestApp, new_client};

impl TestApp {
    /// The id of a demo person.
    pub async fn person_id(&self, email: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM people WHERE email = $1::citext")
            .bind(email)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// A fresh API token of a demo admin: its id and its secret.
    pub async fn new_token(&self, email: &str) -> (Uuid, String) {
        let person = self.person_id(email).await;
        wholesale_hub::store::tokens::create(&self.db, person, "test", self.clock.now())
            .await
            .unwrap()
    }

    /// Calls the API from a fresh client, with `token` as the bearer token and `body` as
    /// JSON when given; `path_or_url` is a path of the app or a full URL.
    pub async fn api_call(
        &self,
        token: Option<&str>,
        method: Method,
        path_or_url: &str,
        body: Option<&Value>,
    ) -> Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            self.url(path_or_url)
        };
        let mut req = new_client().request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.unwrap()
    }

    /// `api_call` with GET and no body.
    pub async fn api_get(&self, token: Option<&str>, path_or_url: &str) -> Response {
        self.api_call(token, Method::GET, path_or_url, None).await
    }
}

/// A fresh API token's secret for a demo admin.
pub async fn token_for(app: &TestApp, email: &str) -> String {
    app.new_token(email).await.1
}

/// The id of a fresh API token of a demo admin (for routes that take one).
pub async fn token_id_of(app: &TestApp, email: &str) -> Uuid {
    app.new_token(email).await.0
}

pub fn is_json(r: &Response) -> bool {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// Asserts `r`'s status and a JSON body; returns the body.
pub async fn json_of(r: Response, status: StatusCode) -> Value {
    let got = r.status();
    let json = is_json(&r);
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert!(json, "not JSON: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Checks the vendor's error body (a message, coded and described errors, the request
/// id as `trackingId`) with this status; returns it.
pub async fn error_body(r: Response, status: StatusCode) -> Value {
    let request_id = r
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    let body = json_of(r, status).await;
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let errors = body["errors"].as_array().expect("errors[]");
    assert!(!errors.is_empty(), "{body}");
    for e in errors {
        assert!(e["errorCode"].as_u64().is_some(), "{body}");
        assert!(e["description"].as_str().is_some(), "{body}");
    }
    let tracking = body["trackingId"].as_str().expect("trackingId");
    assert!(!tracking.is_empty() && tracking != "-", "{body}");
    assert_eq!(
        Some(tracking.to_string()),
        request_id,
        "trackingId is the request id"
    );
    body
}
