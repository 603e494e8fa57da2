//! A billing report's CSV as a download (`Content-Disposition: attachment`), read from
//! storage chunk by chunk so that one chunk is in memory at a time: the Billing page's
//! download and the API's signed link serve the same file this way.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::db::Pool;

/// The CSV of report `id`, streamed; the caller has checked who may have it.
pub fn report_csv(db: &Pool, id: Uuid, file_name: &str) -> Response {
    let db = db.clone();
    let stream = async_stream::try_stream! {
        let mut seq = 0;
        while let Some(chunk) = crate::store::billing::chunk(&db, id, seq).await? {
            seq += 1;
            yield Bytes::from(chunk);
        }
    };
    let stream = futures_util::StreamExt::map(stream, |r: Result<Bytes, sqlx::Error>| {
        r.map_err(std::io::Error::other)
    });
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
