//! Emails in the outbox, as the tests read them.

use super::TestApp;

impl TestApp {
    /// The newest email to `to` of `kind`: (subject, body).
    pub async fn latest_email(&self, to: &str, kind: &str) -> (String, String) {
        sqlx::query_as(
            "SELECT subject, body FROM email_outbox WHERE to_address = $1 AND kind = $2
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(to)
        .bind(kind)
        .fetch_one(&self.db)
        .await
        .unwrap_or_else(|e| panic!("no {kind} email to {to}: {e}"))
    }
}

/// The path and query of the invitation link in an email's body
/// (`/login/invite?token=…`), checked to start with the app's own address.
pub fn invite_link_in(app: &TestApp, body: &str) -> String {
    let start = body
        .find(&format!("{}/login/invite?token=", app.address))
        .unwrap_or_else(|| panic!("no link to this app in:\n{body}"));
    let url = body[start..].split_whitespace().next().unwrap();
    url[app.address.len()..].to_string()
}
