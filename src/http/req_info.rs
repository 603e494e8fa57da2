//! What services record about a request in the audit log: its id and the client's
//! address. Both doors take it as an extractor.

use axum::http::request::Parts;

use super::client_addr::client_ip;
use super::request_id;

/// Request facts services record in the audit log.
pub struct ReqInfo {
    pub request_id: String,
    pub ip: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ReqInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqInfo {
            request_id: request_id::current(),
            ip: client_ip(parts),
        })
    }
}

impl ReqInfo {
    pub fn ctx(&self) -> crate::services::customer_settings::RequestCtx<'_> {
        crate::services::customer_settings::RequestCtx {
            request_id: &self.request_id,
            ip: &self.ip,
        }
    }
}
