//! Who the visitor is: sessions, passwords, CSRF, and the extractors that turn a
//! page request into an actor with a proven scope. (The API's bearer-token extractors
//! live in its door, `api::auth`, since they answer in its error body.)

pub mod csrf;
pub mod extensions;
pub mod extractors;
pub mod oidc;
pub mod password;
pub mod saml;
pub mod secrets;
pub mod session;

pub use extractors::{CurrentAdmin, CustomerScope, PartnerScope, load_actor};
