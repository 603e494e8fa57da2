//! Single sign-on set-up for tests: the test IdPs' certificate, IdP metadata, saving an
//! IdP through the settings pages as a partner admin would, and binding an org to it.

use reqwest::multipart::Form;
use reqwest::{Client, StatusCode};
use uuid::Uuid;

use super::TestApp;
use super::idp::{IdpProcess, start_saml};

/// The test SAML IdP's signing certificate (tests/idp/keys, test-only).
pub const IDP_CERT: &str = include_str!("../../idp/keys/idp.crt");
/// A second key pair: what an attacker or a rolled-over IdP signs with.
pub const OTHER_CERT: &str = include_str!("../../idp/keys/other.crt");

/// A PEM certificate's base64 body on one line, as metadata carries it.
pub fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
}

/// IdP metadata with `certs` (PEM) as signing certificates.
pub fn saml_metadata_with(entity_id: &str, sso_url: &str, certs: &[&str]) -> String {
    let keys: String = certs
        .iter()
        .map(|c| {
            format!(
                r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
                pem_body(c)
            )
        })
        .collect();
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

/// IdP metadata signed by the test IdP's own certificate.
pub fn saml_metadata_for(entity_id: &str, sso_url: &str) -> String {
    saml_metadata_with(entity_id, sso_url, &[IDP_CERT])
}

/// The IdP address of the page that sends the browser there (email step, test sign-in).
pub async fn idp_address(r: reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::OK, "not sent on to an IdP");
    let html = r.text().await.unwrap();
    let link = html
        .split("data-testid=\"idp-link\" href=\"")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .unwrap_or_else(|| panic!("no link to the IdP in {html}"));
    assert!(
        html.contains("http-equiv=\"refresh\""),
        "the page goes on by itself"
    );
    super::unescape(link)
}

/// The reason a failed SSO sign-in page gives, for a failure message.
pub fn sso_reason(page: &str) -> &str {
    page.split("data-testid=\"sso-reason\">")
        .nth(1)
        .and_then(|r| r.split("</p>").next())
        .unwrap_or("?")
}

impl TestApp {
    /// Starts the test SAML IdP for Northwind's SP, saves its own metadata (with the
    /// form's `options` ticked) as Northwind's full admin, and binds Acme Dental to it;
    /// answers the IdP process and its id here.
    pub async fn northwind_saml_idp(&self, options: &[&str]) -> (IdpProcess, Uuid) {
        let northwind = self.org_id("Northwind Telecom").await;
        let (sp_entity, acs) = self.sp_of(northwind);
        let idp = start_saml(&sp_entity, &acs).await;
        let metadata = reqwest::get(idp.metadata_url())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let admin = self.client_for(super::PARTNER_ADMIN).await;
        let r = self.save_saml_metadata(&admin, &metadata, options).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        let idp_id = self.saml_idp_of(northwind).await;
        self.bind_org_to_idp(self.org_id("Acme Dental").await, idp_id)
            .await;
        (idp, idp_id)
    }

    /// The SP entity id and ACS URL of a partner, as the settings page shows them.
    pub fn sp_of(&self, partner: Uuid) -> (String, String) {
        (
            self.url(&format!("/login/sso/saml/{partner}/metadata")),
            self.url(&format!("/login/sso/saml/{partner}/acs")),
        )
    }

    /// Saves SAML metadata through Settings → Single sign-on (a multipart upload, as
    /// the page's form sends it); answers the response.
    pub async fn save_saml_metadata(
        &self,
        client: &Client,
        metadata: &str,
        options: &[&str],
    ) -> reqwest::Response {
        let token = self.csrf_of(client).await;
        let mut form = Form::new()
            .text("csrf_token", token)
            .text("metadata", metadata.to_string());
        for o in options {
            form = form.text(o.to_string(), "on");
        }
        client
            .post(self.url("/partner/settings/sso/saml"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The partner's SAML IdP id.
    pub async fn saml_idp_of(&self, partner: Uuid) -> Uuid {
        sqlx::query_scalar(
            "SELECT id FROM identity_providers WHERE partner_org_id = $1 AND kind = 'saml'",
        )
        .bind(partner)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// Saves an OIDC IdP through the settings page under the id `id` (the form's own,
    /// whose redirect URI the IdP was registered with); asserts it was saved.
    pub async fn save_oidc_idp(&self, client: &Client, id: Uuid, fields: &[(&str, &str)]) {
        let id = id.to_string();
        let mut form = vec![("id", id.as_str())];
        form.extend_from_slice(fields);
        let r = self
            .post_form_with(client, "/partner/settings/sso/oidc", &form)
            .await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "OIDC IdP not saved: {body}");
    }

    /// Makes `org` sign in through `idp` (as if created from a template naming it).
    pub async fn bind_org_to_idp(&self, org: Uuid, idp: Uuid) {
        sqlx::query(
            "UPDATE orgs SET auth_mode = (SELECT kind FROM identity_providers WHERE id = $2), idp_id = $2
             WHERE id = $1",
        )
        .bind(org)
        .bind(idp)
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Audit rows of SSO sign-ins with `outcome`.
    pub async fn sso_audits(&self, outcome: &str) -> i64 {
        self.audit_count("login.sso", outcome).await
    }

    /// Sessions signed in as anyone.
    pub async fn signed_in_sessions(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM tower_sessions.session WHERE person_id IS NOT NULL",
        )
        .fetch_one(&self.db)
        .await
        .unwrap()
    }
}
