//! The SAML service provider (samael 0.0.22 with xmlsec), with the gaps DESIGN
//! "Security decisions" measured in samael closed here:
//! - an IdP without a signing certificate is never used (samael would skip the check);
//! - only RSA-SHA256 or stronger signatures (samael allows rsa-sha1 unless told);
//! - our AuthnRequest ids carry 128 random bits (samael's own carry 32);
//! - an audience is required (samael checks one only when the assertion has any);
//! - identity comes only from the assertion samael returns from the verified bytes,
//!   never from the raw XML; a response with a comment, a DOCTYPE or an entity is refused
//!   before parsing (comments inside NameID are a known truncation trick);
//! - replay state and the single use of a request id are the caller's (`store::sso`).
//!
//! Each partner is one SP: its entity id is its metadata URL, its ACS is per partner.

use base64::Engine;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};
use samael::schema::{Assertion, Subject, SubjectNameID};
use samael::service_provider::ServiceProvider;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// What an IdP's metadata tells us.
#[derive(Debug, Clone, PartialEq)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// Where AuthnRequests go (HTTP-Redirect binding).
    pub sso_url: String,
    /// Base64 DER of each signing certificate (one or two).
    pub certificates: Vec<String>,
}

/// At most this many signing certificates at once: the current and the next key.
pub const MAX_CERTIFICATES: usize = 2;

/// Refuses what no real SAML document needs and parsers have been fooled with.
fn unsafe_markup(xml: &str) -> Option<&'static str> {
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        Some("it declares a DOCTYPE or entities")
    } else if xml.contains("<!--") {
        Some("it contains an XML comment")
    } else {
        None
    }
}

/// How many `Assertion` (or `EncryptedAssertion`) elements the document has, whatever
/// their prefix. A real response has one; XML signature wrapping needs a second (a forged
/// one beside, before or around the signed one, or the signed one tucked into
/// Extensions or a signature's Object), so any count but one is refused before samael
/// looks: samael would return the signed one, and nobody should be signed in from a
/// document built to fool someone.
fn assertion_elements(xml: &str) -> usize {
    let mut count = 0;
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if rest.starts_with(['/', '?', '!']) {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == "Assertion" || local == "EncryptedAssertion" {
            count += 1;
        }
    }
    count
}

fn provider_for(metadata: EntityDescriptor) -> ServiceProvider {
    ServiceProvider {
        idp_metadata: metadata,
        ..ServiceProvider::default()
    }
}

/// Reads IdP metadata XML, refusing metadata samael would use unsafely: no entity id, no
/// HTTP-Redirect sign-in URL, no signing certificate, a certificate that does not parse,
/// or more than two.
pub fn read_metadata(xml: &str) -> Result<IdpMetadata, String> {
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err("This metadata declares a DOCTYPE or entities, which IdP metadata never needs. Paste the IdP's EntityDescriptor XML.".into());
    }
    if !xml.contains("EntityDescriptor") {
        return Err("This is not SAML metadata XML (it has no EntityDescriptor). Paste the IdP's metadata XML.".into());
    }
    let parsed: EntityDescriptor = xml.parse().map_err(|e| {
        let e: &dyn std::error::Error = &e;
        let mut why = e.to_string();
        why.truncate(160);
        format!("This is not SAML metadata XML ({why}). Paste the IdP's EntityDescriptor XML.")
    })?;
    let entity_id = parsed
        .entity_id
        .clone()
        .filter(|e| !e.trim().is_empty())
        .ok_or("This metadata has no entityID. Paste the IdP's EntityDescriptor XML.")?;
    if parsed
        .idp_sso_descriptors
        .as_ref()
        .is_none_or(Vec::is_empty)
    {
        return Err("This metadata describes no identity provider (it has no IDPSSODescriptor). Is it the SP's metadata?".into());
    }
    let sp = provider_for(parsed);
    let sso_url = sp.sso_binding_location(HTTP_REDIRECT_BINDING).ok_or(
        "This IdP offers no sign-in URL for the HTTP-Redirect binding (SingleSignOnService).",
    )?;
    if url::Url::parse(&sso_url).is_err() {
        return Err(format!("The IdP's sign-in URL “{sso_url}” is not a URL."));
    }
    let certs = sp
        .idp_signing_certs()
        .map_err(|_| "A signing certificate in this metadata is not valid base64. Download the metadata again from the IdP.".to_string())?
        .unwrap_or_default();
    if certs.is_empty() {
        return Err("This metadata has no signing certificate, so responses from this IdP could not be checked. Add the IdP's signing certificate (KeyDescriptor use=\"signing\").".into());
    }
    if certs.len() > MAX_CERTIFICATES {
        return Err(format!(
            "This metadata has {} signing certificates; at most {MAX_CERTIFICATES} can be trusted at once (the current key and the next).",
            certs.len()
        ));
    }
    let mut certificates = vec![];
    for cert in &certs {
        openssl::x509::X509::from_der(cert.der_data()).map_err(|_| {
            "A signing certificate in this metadata does not parse as an X.509 certificate."
                .to_string()
        })?;
        certificates.push(base64::engine::general_purpose::STANDARD.encode(cert.der_data()));
    }
    Ok(IdpMetadata {
        entity_id,
        sso_url,
        certificates,
    })
}

/// A certificate's SHA-256 fingerprint, as IdP consoles show it.
pub fn fingerprint(cert_b64: &str) -> String {
    let der = base64::engine::general_purpose::STANDARD
        .decode(cert_b64)
        .unwrap_or_default();
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A partner's SP: what the IdP is given and checks responses against.
#[derive(Debug, Clone)]
pub struct Sp {
    pub entity_id: String,
    pub acs_url: String,
}

impl Sp {
    pub fn of_partner(public_url: &str, partner: uuid::Uuid) -> Self {
        Self {
            entity_id: format!("{public_url}{}", crate::paths::saml_metadata(partner)),
            acs_url: format!("{public_url}{}", crate::paths::saml_acs(partner)),
        }
    }

    fn provider(&self, idp: EntityDescriptor, idp_initiated: bool) -> ServiceProvider {
        ServiceProvider {
            entity_id: Some(self.entity_id.clone()),
            metadata_url: Some(self.entity_id.clone()),
            acs_url: Some(self.acs_url.clone()),
            slo_url: None,
            idp_metadata: idp,
            authn_name_id_format: Some(
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into(),
            ),
            allow_idp_initiated: idp_initiated,
            allowed_signature_algorithms: Some(vec![
                AllowedSignatureAlgorithm::RsaSha256,
                AllowedSignatureAlgorithm::RsaSha384,
                AllowedSignatureAlgorithm::RsaSha512,
                AllowedSignatureAlgorithm::EcdsaSha256,
                AllowedSignatureAlgorithm::EcdsaSha384,
                AllowedSignatureAlgorithm::EcdsaSha512,
            ]),
            ..ServiceProvider::default()
        }
    }

    /// The SP metadata XML to give the IdP: our entity id and ACS (HTTP-POST), signed
    /// assertions wanted, email NameIDs. Written here rather than by samael, whose
    /// metadata always names a single-logout service, which this SP does not offer.
    pub fn metadata_xml(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
            entity = esc(&self.entity_id),
            acs = esc(&self.acs_url),
        )
    }
}

/// A fresh AuthnRequest id: 128 random bits (an XML ID must not start with a digit).
pub fn new_request_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("_{}", hex::encode(bytes))
}

fn parse_stored(metadata: &str) -> Result<EntityDescriptor, String> {
    metadata
        .parse::<EntityDescriptor>()
        .map_err(|e| format!("stored IdP metadata: {e}"))
}

/// The IdP URL that carries our AuthnRequest (HTTP-Redirect binding, unsigned; the
/// request is bound to our server-side transaction by its id and the RelayState). With
/// a login hint, the email rides along as the request's Subject (passEmailInRequest).
pub fn authn_request_url(
    sp: &Sp,
    idp_metadata: &str,
    sso_url: &str,
    request_id: &str,
    relay_state: &str,
    login_hint: Option<&str>,
) -> Result<String, String> {
    let provider = sp.provider(parse_stored(idp_metadata)?, false);
    let mut request = provider
        .make_authentication_request(sso_url)
        .map_err(|e| format!("AuthnRequest: {e}"))?;
    request.id = request_id.to_string();
    // samael writes the hint into the XML as it is: only a plain address rides along.
    if let Some(email) = login_hint.filter(|e| !e.contains(['<', '>', '&', '"', '\'', ' '])) {
        request.subject = Some(Subject {
            name_id: Some(SubjectNameID {
                format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
                value: email.to_string(),
            }),
            subject_confirmations: None,
        });
    }
    request
        .redirect(relay_state)
        .map_err(|e| format!("AuthnRequest: {e}"))?
        .map(|u| u.to_string())
        .ok_or_else(|| "AuthnRequest has no destination".to_string())
}

/// What a verified response says.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    pub assertion_id: String,
    pub name_id: String,
    /// The email the person is looked up by: the NameID when it is one, else the
    /// assertion's `email` / `mail` attribute.
    pub email: Option<String>,
    pub attributes: Vec<(String, Vec<String>)>,
    /// Until when the assertion id must be remembered against replay.
    #[serde(skip)]
    pub keep_until: OffsetDateTime,
}

const EMAIL_ATTRIBUTES: [&str; 4] = [
    "email",
    "mail",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
];

fn to_time(t: chrono::DateTime<chrono::Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Verifies a base64 SAMLResponse against the IdP's stored metadata: the signature (by
/// one of its certificates, RSA-SHA256 or stronger), InResponseTo against `request_id`
/// (`None` only for an unsolicited response the partner allowed), the audience, the
/// recipient and destination, and the time window (samael: 3 minutes' skew, issued at
/// most 90 s ago). Errors are plain reasons for the audit log and the user.
pub fn verify_response(
    sp: &Sp,
    idp_metadata: &str,
    saml_response: &str,
    request_id: Option<&str>,
) -> Result<Verified, String> {
    let compact: String = saml_response
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "the SAMLResponse is not base64".to_string())?;
    let xml = String::from_utf8(bytes).map_err(|_| "the SAMLResponse is not UTF-8 XML")?;
    if let Some(why) = unsafe_markup(&xml) {
        return Err(format!("the response was refused: {why}"));
    }
    match assertion_elements(&xml) {
        1 => {}
        0 => return Err("the response carries no assertion".into()),
        n => {
            return Err(format!(
                "the response carries {n} assertions where one is expected (a signature-wrapping attempt)"
            ));
        }
    }
    let provider = sp.provider(parse_stored(idp_metadata)?, request_id.is_none());
    let ids: Vec<&str> = request_id.into_iter().collect();
    let assertion = provider
        .parse_xml_response(&xml, request_id.map(|_| ids.as_slice()))
        .map_err(|e| describe(&e))?;
    check_audience(&assertion, &sp.entity_id)?;
    identity(assertion)
}

/// samael checks the audience only when the assertion names any: require one.
fn check_audience(assertion: &Assertion, ours: &str) -> Result<(), String> {
    let ok = assertion
        .conditions
        .as_ref()
        .and_then(|c| c.audience_restrictions.as_ref())
        .is_some_and(|rs| {
            !rs.is_empty() && rs.iter().all(|r| r.audience.iter().any(|a| a == ours))
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the assertion is not addressed to this portal (audience must be {ours})"
        ))
    }
}

fn identity(assertion: Assertion) -> Result<Verified, String> {
    let name_id = assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or("the assertion names nobody (no NameID)")?;
    let mut attributes = vec![];
    for statement in assertion.attribute_statements.iter().flatten() {
        for a in &statement.attributes {
            let name = a
                .name
                .clone()
                .or_else(|| a.friendly_name.clone())
                .unwrap_or_default();
            let values: Vec<String> = a.values.iter().filter_map(|v| v.value.clone()).collect();
            attributes.push((name, values));
        }
    }
    let email = if name_id.contains('@') {
        Some(name_id.clone())
    } else {
        attributes
            .iter()
            .find(|(n, _)| EMAIL_ATTRIBUTES.iter().any(|e| n.eq_ignore_ascii_case(e)))
            .and_then(|(_, v)| v.first().cloned())
    };
    let until = assertion
        .conditions
        .as_ref()
        .and_then(|c| c.not_on_or_after)
        .map(to_time)
        .unwrap_or_else(|| to_time(assertion.issue_instant) + time::Duration::hours(1));
    Ok(Verified {
        assertion_id: assertion.id,
        name_id,
        email,
        attributes,
        // Past the skew samael allows, so an id is never forgotten while still valid.
        keep_until: until + time::Duration::minutes(5),
    })
}

fn describe(e: &samael::service_provider::Error) -> String {
    use samael::service_provider::Error as E;
    match e {
        E::FailedToValidateSignature => {
            "the signature is missing, not made by this IdP's certificate, or not RSA-SHA256 or stronger".into()
        }
        E::ResponseInResponseToInvalid { .. } | E::AssertionInResponseToInvalid { .. } => {
            "the response does not answer the sign-in request we sent (InResponseTo)".into()
        }
        E::ResponseExpired { .. } | E::AssertionExpired { .. } => {
            "the response was issued too long ago".into()
        }
        E::AssertionConditionExpired { .. } | E::AssertionSubjectConfirmationExpired { .. } => {
            "the assertion has expired".into()
        }
        E::AssertionConditionExpiredBefore { .. }
        | E::AssertionSubjectConfirmationExpiredBefore { .. } => {
            "the assertion is not valid yet".into()
        }
        E::AssertionConditionAudienceRestrictionFailed { .. } => {
            "the assertion is not addressed to this portal (audience)".into()
        }
        E::AssertionRecipientMismatch { .. } => {
            "the assertion is meant for another address (Recipient)".into()
        }
        E::DestinationValidationError { .. } => {
            "the response is meant for another address (Destination)".into()
        }
        E::ResponseIssuerMismatch { .. } | E::AssertionIssuerMismatch { .. } => {
            "the response comes from another IdP (Issuer)".into()
        }
        E::ResponseBadStatusCode { code } => {
            format!("the IdP did not sign the user in (status {code})")
        }
        other => format!("the response could not be read ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_carry_128_random_bits() {
        let a = new_request_id();
        assert_eq!(a.len(), 33);
        assert!(a.starts_with('_'));
        assert_ne!(a, new_request_id());
    }

    #[test]
    fn assertions_are_counted_whatever_their_prefix() {
        assert_eq!(
            assertion_elements(
                "<samlp:Response><saml:Assertion ID='a'></saml:Assertion></samlp:Response>"
            ),
            1
        );
        assert_eq!(
            assertion_elements(
                "<Response><Assertion><x/></Assertion><ext><a:Assertion/></ext></Response>"
            ),
            2
        );
        assert_eq!(
            assertion_elements("<Response><AssertionConsumer/></Response>"),
            0
        );
    }

    #[test]
    fn comments_and_doctypes_are_refused_before_parsing() {
        assert!(unsafe_markup("<NameID>a@evil.example<!---->.good.example</NameID>").is_some());
        assert!(unsafe_markup("<!DOCTYPE x [<!ENTITY e 'x'>]><a/>").is_some());
        assert!(unsafe_markup("<a>plain</a>").is_none());
    }

    #[test]
    fn metadata_without_a_signing_certificate_is_refused() {
        let xml = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/x">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#;
        let e = read_metadata(xml).unwrap_err();
        assert!(e.contains("no signing certificate"), "{e}");
        assert!(read_metadata("<html>not metadata</html>").is_err());
    }
}
