//! What both doors (pages in `web/`, the API in `api/`) share about HTTP itself: who the
//! client is (`client_addr`) and which request input is refused before any handler sees
//! it (`input`).

pub mod client_addr;
pub mod input;
pub mod middleware;
pub mod report_download;
pub mod req_info;
pub mod request_id;
pub mod route_table;

pub use client_addr::{ClientAddr, TrustedProxies};
pub use req_info::ReqInfo;
