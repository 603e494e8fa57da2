//! SAML sign-in against a real IdP (samlify with xml-crypto, rsa-sha256, in tests/idp):
//! the partner admin saves the IdP's metadata, a customer user is routed there by email
//! and comes back signed in; then every forged or replayed response of the catalogue ends
//! with no session for anyone and an audit row with its reason.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::idp::IdpProcess;
use crate::common::*;

struct Saml {
    app: TestApp,
    idp: IdpProcess,
    northwind: Uuid,
}

/// Northwind's SAML IdP saved from the IdP's own metadata; Acme Dental bound to it.
async fn set_up() -> Saml {
    let app = spawn_app().await;
    let northwind = app.org_id("Northwind Telecom").await;
    let (idp, _) = app.northwind_saml_idp(&[]).await;
    Saml {
        app,
        idp,
        northwind,
    }
}

/// The email step: answers the IdP address and our transaction (RelayState) with the
/// AuthnRequest id it stored.
async fn begin(s: &Saml, client: &Client, email: &str) -> (String, String, String) {
    let r = s
        .app
        .post_form_with(client, "/login", &[("email", email), ("next", "")])
        .await;
    let to = idp_address(r).await;
    assert!(to.starts_with(&s.idp.base), "sent to {to}, not the IdP");
    let url = reqwest::Url::parse(&to).unwrap();
    let relay = url
        .query_pairs()
        .find(|(k, _)| k == "RelayState")
        .map(|(_, v)| v.to_string())
        .expect("RelayState in the redirect");
    assert!(url.query_pairs().any(|(k, _)| k == "SAMLRequest"));
    let request_id: String =
        sqlx::query_scalar("SELECT saml_request_id FROM sso_transactions WHERE id = $1")
            .bind(&relay)
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    (to, relay, request_id)
}

async fn post_acs(
    s: &Saml,
    client: &Client,
    response: &str,
    relay: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("SAMLResponse", response)];
    if let Some(r) = relay {
        form.push(("RelayState", r));
    }
    client
        .post(s.app.url(&format!("/login/sso/saml/{}/acs", s.northwind)))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn good(request_id: &str) -> Value {
    json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id })
}

#[tokio::test]
async fn a_customer_user_is_sent_to_the_partner_idp_and_comes_back_signed_in() {
    let s = set_up().await;
    let client = new_client();
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    assert_eq!(request_id.len(), 33, "a 128-bit request id: {request_id}");
    let (response, _) = s.idp.forge(good(&request_id)).await;
    let r = post_acs(&s, &client, &response, Some(&relay)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let acme = s.app.org_id("Acme Dental").await;
    assert_eq!(location(&r), format!("/control/{acme}"));
    let home = s
        .app
        .get_with(&client, &format!("/control/{acme}/users"))
        .await;
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(s.app.sso_audits("success").await, 1);
    // A password is no way around the IdP for this user.
    let pw = s
        .app
        .login_with(&new_client(), CUSTOMER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(pw.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_response_used_twice_signs_in_once() {
    let s = set_up().await;
    let client = new_client();
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let (response, _) = s.idp.forge(good(&request_id)).await;
    assert_eq!(
        post_acs(&s, &client, &response, Some(&relay))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let thief = new_client();
    let again = post_acs(&s, &thief, &response, Some(&relay)).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(again.text().await.unwrap().contains("used already"));
    // The same assertion id again, under a fresh request: refused as a replay.
    let (_, relay2, request_id2) = begin(&s, &thief, CUSTOMER_ADMIN).await;
    let (r1, _) = s
        .idp
        .forge(json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id2, "assertionId": "_same-id" }))
        .await;
    assert_eq!(
        post_acs(&s, &thief, &r1, Some(&relay2)).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, relay3, request_id3) = begin(&s, &thief, CUSTOMER_ADMIN).await;
    let (r2, _) = s
        .idp
        .forge(json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id3, "assertionId": "_same-id" }))
        .await;
    let replay = post_acs(&s, &thief, &r2, Some(&relay3)).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(replay.text().await.unwrap().contains("replay"));
}

/// One forged answer of the catalogue: what to change in a good response.
enum Forgery {
    /// Fields that override the good response's at the IdP.
    Fields(Value),
    /// A change to the good response's XML (signature wrapping, comments).
    Xml(fn(&str, &str) -> String),
    /// No RelayState (a response nobody asked for).
    Unsolicited,
}

/// The evil twin of an assertion: the same with another NameID and ID, unsigned.
fn evil_clone(assertion: &str) -> String {
    let start = assertion
        .find("<ds:Signature")
        .or_else(|| assertion.find("<Signature"));
    let end_tag = "</ds:Signature>";
    let mut evil = match (start, assertion.find(end_tag)) {
        (Some(a), Some(b)) => format!("{}{}", &assertion[..a], &assertion[b + end_tag.len()..]),
        _ => assertion.to_string(),
    };
    evil = evil.replacen(CUSTOMER_ADMIN, PARTNER_ADMIN, 1);
    evil.replacen("ID=\"", "ID=\"evil", 1)
}

/// The signed assertion element of a response.
fn assertion_of(xml: &str) -> (usize, usize) {
    let start = xml.find("<saml:Assertion").expect("an assertion");
    let close = "</saml:Assertion>";
    let end = xml.find(close).expect("its end") + close.len();
    (start, end)
}

fn wrap_cloned_before(xml: &str, _: &str) -> String {
    let (a, b) = assertion_of(xml);
    format!("{}{}{}", &xml[..a], evil_clone(&xml[a..b]), &xml[a..])
}

fn wrap_moved_into_extensions(xml: &str, _: &str) -> String {
    // The signed assertion moves into the Response's Extensions; an evil one takes its place.
    let (a, b) = assertion_of(xml);
    let signed = &xml[a..b];
    let without = format!("{}{}{}", &xml[..a], evil_clone(signed), &xml[b..]);
    let issuer_end = without.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    format!(
        "{}<samlp:Extensions>{signed}</samlp:Extensions>{}",
        &without[..issuer_end],
        &without[issuer_end..]
    )
}

fn wrap_inside_evil(xml: &str, _: &str) -> String {
    // The evil assertion holds the signed one (assertion moved inside another).
    let (a, b) = assertion_of(xml);
    let signed = &xml[a..b];
    let evil = evil_clone(signed);
    let inner_at = evil.find("</saml:Assertion>").unwrap();
    let nested = format!("{}{signed}{}", &evil[..inner_at], &evil[inner_at..]);
    format!("{}{nested}{}", &xml[..a], &xml[b..])
}

fn wrap_in_signature_object(xml: &str, _: &str) -> String {
    // The signed assertion hidden in a ds:Object of its own signature's copy.
    let (a, b) = assertion_of(xml);
    let signed = &xml[a..b];
    let evil = evil_clone(signed);
    let object = format!(
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:Object>{signed}</ds:Object></ds:Signature>"#
    );
    let at = evil.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let evil = format!("{}{object}{}", &evil[..at], &evil[at..]);
    format!("{}{evil}{}", &xml[..a], &xml[b..])
}

fn comment_in_name_id(xml: &str, _: &str) -> String {
    // c14n drops comments, so the signature still verifies; a parser that stops at the
    // comment would read "customer.admin@acme" only.
    xml.replacen("customer.admin@acme", "customer.admin@acme<!---->", 1)
}

fn now_plus(minutes: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// (name, forgery, what the refusal must say).
fn catalogue() -> Vec<(&'static str, Forgery, &'static str)> {
    use Forgery::*;
    let wrapping = "assertions where one is expected";
    vec![
        (
            "unsigned",
            Fields(json!({ "signWith": "none" })),
            "signature",
        ),
        (
            "signed by another key",
            Fields(json!({ "signWith": "other" })),
            "signature",
        ),
        (
            "rsa-sha1",
            Fields(json!({ "sigAlg": "rsa-sha1" })),
            "signature",
        ),
        (
            "wrong audience",
            Fields(json!({ "audience": "https://evil.example/sp" })),
            "audience",
        ),
        (
            "wrong recipient",
            Fields(
                json!({ "recipient": "https://evil.example/acs", "destination": "https://evil.example/acs" }),
            ),
            "meant for another address",
        ),
        (
            "expired",
            Fields(json!({ "notBefore": now_plus(-30), "notOnOrAfter": now_plus(-10) })),
            "expired",
        ),
        (
            "not yet valid",
            Fields(json!({ "notBefore": now_plus(10), "notOnOrAfter": now_plus(20) })),
            "not valid yet",
        ),
        (
            "issued long ago",
            Fields(json!({ "issueInstant": now_plus(-20) })),
            "too long ago",
        ),
        (
            "mismatched InResponseTo",
            Fields(json!({ "inResponseTo": "_not-our-request" })),
            "InResponseTo",
        ),
        ("unsolicited", Unsolicited, "nobody asked for"),
        (
            "a cloned assertion before the signed one",
            Xml(wrap_cloned_before),
            wrapping,
        ),
        (
            "the signed assertion in Extensions",
            Xml(wrap_moved_into_extensions),
            wrapping,
        ),
        (
            "the signed assertion inside another",
            Xml(wrap_inside_evil),
            wrapping,
        ),
        (
            "the signed assertion in a signature Object",
            Xml(wrap_in_signature_object),
            wrapping,
        ),
        (
            "a comment inside NameID",
            Xml(comment_in_name_id),
            "comment",
        ),
    ]
}

#[tokio::test]
async fn every_forged_response_ends_with_no_session_and_an_audit_row() {
    let s = set_up().await;
    let mut failures = vec![];
    for (name, forgery, says) in catalogue() {
        let client = new_client();
        let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
        let mut fields = good(&request_id);
        let mut relay = Some(relay);
        let response = match &forgery {
            Forgery::Fields(over) => {
                for (k, v) in over.as_object().unwrap() {
                    fields[k] = v.clone();
                }
                s.idp.forge(fields).await.0
            }
            Forgery::Xml(change) => {
                let (_, xml) = s.idp.forge(fields).await;
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(change(&xml, &request_id))
            }
            Forgery::Unsolicited => {
                relay = None;
                fields.as_object_mut().unwrap().remove("inResponseTo");
                s.idp.forge(fields).await.0
            }
        };
        let before = s.app.sso_audits("failure").await;
        let sessions = s.app.signed_in_sessions().await;
        let r = post_acs(&s, &client, &response, relay.as_deref()).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        if status != StatusCode::UNAUTHORIZED || !body.contains("request id") {
            failures.push(format!("{name}: answered {status}"));
        } else if !body.contains(says) {
            let reason = sso_reason(&body);
            failures.push(format!("{name}: refused, but not for “{says}”: {reason}"));
        }
        if s.app.signed_in_sessions().await != sessions {
            failures.push(format!("{name}: a session was created"));
        }
        if s.app.sso_audits("failure").await != before + 1 {
            failures.push(format!("{name}: no audit row of the failure"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The control: the same set-up accepts a good response, so the refusals above are
    // the forgeries' own.
    let client = new_client();
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let (response, _) = s.idp.forge(good(&request_id)).await;
    assert_eq!(
        post_acs(&s, &client, &response, Some(&relay))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_user_outside_the_orgs_bound_to_the_idp_gets_no_session() {
    let s = set_up().await;
    let client = new_client();
    let sessions = s.app.signed_in_sessions().await;
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    // The IdP vouches for someone of another tenant (a Southwind admin).
    let (response, _) = s
        .idp
        .forge(json!({ "nameId": RESELLER_ADMIN, "inResponseTo": request_id }))
        .await;
    let r = post_acs(&s, &client, &response, Some(&relay)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not a user of any organisation")
    );
    assert_eq!(s.app.signed_in_sessions().await, sessions);
    // NameID in another case still finds the user (emails are case-insensitive).
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let (response, _) = s
        .idp
        .forge(json!({ "nameId": CUSTOMER_ADMIN.to_uppercase(), "inResponseTo": request_id }))
        .await;
    assert_eq!(
        post_acs(&s, &client, &response, Some(&relay))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn metadata_without_a_certificate_or_with_three_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let entity = "https://idp.example/saml";
    let sso = "https://idp.example/sso";
    for (metadata, says) in [
        (
            saml_metadata_with(entity, sso, &[]),
            "no signing certificate",
        ),
        (
            saml_metadata_with(entity, sso, &[IDP_CERT, OTHER_CERT, IDP_CERT]),
            "at most 2",
        ),
        (
            "<html><body>Sign in</body></html>".to_string(),
            "not SAML metadata",
        ),
        (
            saml_metadata_for(entity, sso).replace(&pem_body(IDP_CERT)[..40], "!!!!"),
            "signing certificate",
        ),
    ] {
        let r = app.save_saml_metadata(&admin, &metadata, &[]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(
            page.contains(says),
            "expected “{says}” in the page: {}",
            page_error(&page)
        );
    }
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM identity_providers")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(saved, 0);
    // Two certificates (a key rollover) are kept, both trusted.
    let r = app
        .save_saml_metadata(
            &admin,
            &saml_metadata_with(entity, sso, &[IDP_CERT, OTHER_CERT]),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let certs: Vec<String> =
        sqlx::query_scalar("SELECT unnest(saml_certificates) FROM identity_providers")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(certs, [pem_body(IDP_CERT), pem_body(OTHER_CERT)]);
    assert_eq!(app.audit_count("sso.saml.save", "success").await, 1);
}

#[tokio::test]
async fn a_key_rollover_trusts_both_certificates_at_once() {
    let s = set_up().await;
    let admin = s.app.client_for(PARTNER_ADMIN).await;
    let entity = s.idp.metadata_url();
    let sso = format!("{}/sso", s.idp.base);
    let both = saml_metadata_with(&entity, &sso, &[IDP_CERT, OTHER_CERT]);
    assert_eq!(
        s.app.save_saml_metadata(&admin, &both, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    for key in ["idp", "other"] {
        let client = new_client();
        let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
        let (response, _) = s
            .idp
            .forge(json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id, "signWith": key }))
            .await;
        let r = post_acs(&s, &client, &response, Some(&relay)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed by {key}");
    }
}

#[tokio::test]
async fn the_sp_metadata_names_this_partners_entity_id_and_acs() {
    let app = spawn_app().await;
    let northwind = app.org_id("Northwind Telecom").await;
    let (entity, acs) = app.sp_of(northwind);
    let r = app
        .get(&format!("/login/sso/saml/{northwind}/metadata"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/samlmetadata+xml")
    );
    let xml = r.text().await.unwrap();
    assert!(xml.contains(&format!("entityID=\"{entity}\"")), "{xml}");
    assert!(xml.contains(&acs), "{xml}");
}

#[tokio::test]
async fn a_test_sign_in_reports_what_came_back_without_a_session() {
    let s = set_up().await;
    let admin = s.app.client_for(PARTNER_ADMIN).await;
    let idp = s.app.saml_idp_of(s.northwind).await;
    let r = s
        .app
        .post_form_with(&admin, &format!("/partner/settings/sso/{idp}/test"), &[])
        .await;
    let url = reqwest::Url::parse(&idp_address(r).await).unwrap();
    let relay = url
        .query_pairs()
        .find(|(k, _)| k == "RelayState")
        .map(|(_, v)| v.to_string())
        .unwrap();
    let request_id: String =
        sqlx::query_scalar("SELECT saml_request_id FROM sso_transactions WHERE id = $1")
            .bind(&relay)
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    let sessions = s.app.signed_in_sessions().await;
    // The IdP's POST back is cross-site: it arrives without the admin's cookie.
    let (response, _) = s.idp.forge(good(&request_id)).await;
    let back = post_acs(&s, &new_client(), &response, Some(&relay)).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.app.signed_in_sessions().await,
        sessions,
        "a test makes no session"
    );
    let page = s.app.page(&admin, &location(&back)).await;
    assert!(page.contains("the response was verified"), "{page}");
    assert!(page.contains(CUSTOMER_ADMIN));
    // Nobody else can read the report.
    let other = s.app.client_for(OPERATIONS_LEAD).await;
    let theirs = s.app.page(&other, &location(&back)).await;
    assert!(!theirs.contains("the response was verified"));
}

/// The field error of a page, for a failure message.
fn page_error(page: &str) -> &str {
    page.find("field-error")
        .map(|at| &page[at..(at + 300).min(page.len())])
        .unwrap_or("(no field error)")
}

#[tokio::test]
async fn a_response_far_larger_than_any_real_one_is_refused_unread() {
    let s = set_up().await;
    let client = new_client();
    let (_, relay, _) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let huge = "A".repeat(600 * 1024);
    let r = post_acs(&s, &client, &huge, Some(&relay)).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        s.app.signed_in_sessions().await,
        1,
        "only the set-up's admin"
    );
}

#[tokio::test]
async fn idp_initiated_sign_in_works_only_when_the_partner_turned_it_on() {
    let s = set_up().await;
    let admin = s.app.client_for(PARTNER_ADMIN).await;
    let (response, _) = s.idp.forge(json!({ "nameId": CUSTOMER_ADMIN })).await;
    assert_eq!(
        post_acs(&s, &new_client(), &response, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let metadata = reqwest::get(s.idp.metadata_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = s
        .app
        .save_saml_metadata(&admin, &metadata, &["allow_idp_initiated"])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (response, _) = s.idp.forge(json!({ "nameId": CUSTOMER_ADMIN })).await;
    let r = post_acs(&s, &new_client(), &response, None).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "an unsolicited response, now allowed"
    );
}

#[tokio::test]
async fn a_sign_in_through_the_idp_starts_a_new_session_id() {
    let s = set_up().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    use reqwest::cookie::CookieStore;
    let base: reqwest::Url = s.app.address.parse().unwrap();
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let before = jar.cookies(&base).expect("an anonymous session cookie");
    let (response, _) = s.idp.forge(good(&request_id)).await;
    assert_eq!(
        post_acs(&s, &client, &response, Some(&relay))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let after = jar.cookies(&base).expect("a session cookie");
    assert_ne!(before, after, "the session id changed");
}

/// An assertion signed by a second, independent signer: Debian's xmlsec1 (libxmlsec1's
/// command line) fills a signature template we add to an unsigned response.
fn sign_with_xmlsec1(xml: &str) -> String {
    let (a, b) = assertion_of(xml);
    let assertion = &xml[a..b];
    let id = assertion
        .split("ID=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("the assertion's ID");
    let template = format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"##
    );
    // The signature goes right after the assertion's Issuer (the schema's order).
    let issuer_end = assertion.find("</saml:Issuer>").expect("an Issuer") + "</saml:Issuer>".len();
    let templated = format!(
        "{}{}{template}{}{}",
        &xml[..a],
        &assertion[..issuer_end],
        &assertion[issuer_end..],
        &xml[b..]
    );
    let dir = std::env::temp_dir().join(format!("xmlsec-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.xml");
    std::fs::write(&input, templated).unwrap();
    let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/idp/keys/idp.key");
    let out = std::process::Command::new("xmlsec1")
        .args([
            "--sign",
            "--privkey-pem",
            key,
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg(&input)
        .output()
        .expect("xmlsec1 (Debian's xmlsec1 package; scripts/test installs it)");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "xmlsec1 --sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn an_assertion_signed_by_an_independent_signer_is_accepted_and_its_tampering_is_not() {
    let s = set_up().await;
    let client = new_client();
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let (_, unsigned) = s
        .idp
        .forge(json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id, "signWith": "none" }))
        .await;
    let signed = sign_with_xmlsec1(&unsigned);
    use base64::Engine;
    let b64 = |x: &str| base64::engine::general_purpose::STANDARD.encode(x);
    // Tampered after signing: refused.
    let tampered = signed.replacen(CUSTOMER_ADMIN, CUSTOMER_READONLY, 1);
    let r = post_acs(&s, &client, &b64(&tampered), Some(&relay)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (_, relay, request_id) = begin(&s, &client, CUSTOMER_ADMIN).await;
    let (_, unsigned) = s
        .idp
        .forge(json!({ "nameId": CUSTOMER_ADMIN, "inResponseTo": request_id, "signWith": "none" }))
        .await;
    let r = post_acs(
        &s,
        &client,
        &b64(&sign_with_xmlsec1(&unsigned)),
        Some(&relay),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed by xmlsec1");
}
