//! Who the visitor is: sessions, passwords, CSRF, and the extractors that turn a
//! request into an actor with a proven scope.

pub mod api_token;
pub mod csrf;
pub mod extractors;
pub mod password;
pub mod session;

pub use api_token::{ApiActor, ApiPartnerScope};
pub use extractors::{CurrentAdmin, CustomerScope, PartnerScope, load_actor};
