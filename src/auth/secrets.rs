//! Secrets kept at rest (OIDC client secrets): sealed with XChaCha20-Poly1305 under the
//! key of `HUB_SECRETS_KEY` (DESIGN "Security decisions"). A sealed value is its random
//! 24-byte nonce followed by the ciphertext and tag; the IdP's id is the associated data,
//! so a secret copied onto another IdP's row does not open.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const NONCE_LEN: usize = 24;

/// The key, from configuration. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SecretsKey([u8; 32]);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyError {
    #[error(
        "HUB_SECRETS_KEY must be 32 bytes, as 64 hex digits or in base64 (make one with `openssl rand -hex 32`)"
    )]
    Malformed,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("a stored secret does not open with this HUB_SECRETS_KEY (was the key changed?)")]
pub struct SealedError;

impl SecretsKey {
    /// Reads the configured form: 32 bytes as 64 hex digits, or in standard or URL-safe
    /// base64.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .filter(|b| b.len() == 32)
            .map_or_else(
                || base64::engine::general_purpose::STANDARD.decode(text),
                Ok,
            )
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| KeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self(key))
    }

    /// A fresh random key (tests and local runs that set none).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self(key)
    }

    pub fn seal(&self, plain: &str, bound_to: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: bound_to,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length we store");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], bound_to: &[u8]) -> Result<String, SealedError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealedError);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: bound_to,
                },
            )
            .map_err(|_| SealedError)?;
        String::from_utf8(plain).map_err(|_| SealedError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_owner() {
        let key = SecretsKey::random();
        let sealed = key.seal("s3cret", b"idp-1");
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(key.open(&sealed, b"idp-1").as_deref(), Ok("s3cret"));
        assert_eq!(key.open(&sealed, b"idp-2"), Err(SealedError));
        assert_eq!(
            SecretsKey::random().open(&sealed, b"idp-1"),
            Err(SealedError)
        );
        assert_eq!(key.open(&sealed[..10], b"idp-1"), Err(SealedError));
    }

    #[test]
    fn the_configured_key_is_32_bytes_of_base64() {
        assert!(SecretsKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_ok());
        assert!(SecretsKey::parse(&"0f".repeat(32)).is_ok());
        assert_eq!(
            SecretsKey::parse("c2hvcnQ=").unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(
            SecretsKey::parse("not base64!").unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(format!("{:?}", SecretsKey::random()), "SecretsKey(…)");
    }
}
