//! Fetching pages: a test reads a page's text only once its status (and that it is
//! HTML) has been checked, so no check of what a page lacks passes on an error page or
//! a redirect.

use reqwest::{Client, Response, StatusCode};

use super::TestApp;

/// Asserts `r`'s status and that it is an HTML page; returns the page.
pub async fn html_of(r: Response, status: StatusCode) -> String {
    let url = r.url().path().to_string();
    let got = r.status();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    let location = super::location(&r);
    let body = r.text().await.unwrap();
    assert_eq!(
        got, status,
        "{url}: answered {got} (location {location:?}), not {status}:\n{body}"
    );
    assert!(
        content_type.starts_with("text/html"),
        "{url}: not a page ({content_type:?}):\n{body}"
    );
    body
}

/// An attribute's value as askama escapes it, read back.
pub fn unescape(attr: &str) -> String {
    attr.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
}

impl TestApp {
    /// The page at `path` as `client` sees it; asserts 200 and HTML.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        self.page_with_status(client, path, StatusCode::OK).await
    }

    /// The page at `path` as `client` sees it; asserts `status` and HTML.
    pub async fn page_with_status(
        &self,
        client: &Client,
        path: &str,
        status: StatusCode,
    ) -> String {
        html_of(self.get_with(client, path).await, status).await
    }

    /// The page at `path` as the app's own client sees it; asserts 200 and HTML.
    pub async fn text(&self, path: &str) -> String {
        self.page(&self.client, path).await
    }

    /// The CSRF token of `client`'s session (the sign-in page shows it to anyone).
    pub async fn csrf_of(&self, client: &Client) -> String {
        let html = self.page(client, "/login").await;
        super::extract_csrf(&html).expect("a CSRF token on the sign-in page")
    }

    pub async fn csrf(&self) -> String {
        self.csrf_of(&self.client).await
    }
}
