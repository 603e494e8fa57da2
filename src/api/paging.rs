//! `offset`/`max` paging for API lists (SPEC §9): `max` has a default and a cap per
//! endpoint; while more items remain, an RFC 5988 `Link: <next>; rel="next"` header
//! carries the full URL of the next page (the request's own query, `offset` moved on).

use std::convert::Infallible;

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{AppError, FieldErrors};

/// A list request: its query, with the endpoint's paging limits in its type
/// (`ListRequest<50, 100>`: `max` defaults to 50 and is cut to 100). Extracting never
/// fails; `paging()` refuses a malformed `offset` or `max`, and a handler calls it after
/// its role check, so a caller who may not list learns nothing from its query.
pub struct ListRequest<const DEFAULT_MAX: i64, const CAP: i64> {
    /// The request's URI as the client sent it (before any nesting), for the next link.
    pub uri: Uri,
}

impl<S: Send + Sync, const DEFAULT_MAX: i64, const CAP: i64> FromRequestParts<S>
    for ListRequest<DEFAULT_MAX, CAP>
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let OriginalUri(uri) = OriginalUri::from_request_parts(parts, state).await?;
        Ok(Self { uri })
    }
}

impl<const DEFAULT_MAX: i64, const CAP: i64> ListRequest<DEFAULT_MAX, CAP> {
    /// The page asked for, or a 400 naming `offset` / `max`.
    pub fn paging(&self) -> Result<Paging, AppError> {
        Paging::from_uri(&self.uri, DEFAULT_MAX, CAP)
    }

    /// The first non-blank value of a query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        query_param(&self.uri, name)
    }

    /// Every value of a parameter, repeated and/or comma-separated, blanks dropped.
    pub fn list_param(&self, name: &str) -> Vec<String> {
        query_pairs(&self.uri)
            .into_iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Cuts rows fetched with `paging.fetch_limit()` to the page, with the next link.
    pub fn page<T>(&self, paging: Paging, rows: Vec<T>, public_url: &str) -> Paged<T> {
        paging.page(rows, public_url, &self.uri)
    }
}

/// The query's pairs, in order (a malformed query reads as empty).
pub fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default()
}

/// The first value of a query parameter, if present and not blank.
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub offset: i64,
    pub max: i64,
}

impl Paging {
    /// Reads `offset` (default 0) and `max` (default `default_max`, larger values cut to
    /// `cap`). Anything but a whole number — or a negative one, or `max=0` — is a 400.
    pub fn from_uri(uri: &Uri, default_max: i64, cap: i64) -> Result<Paging, AppError> {
        let mut errors = FieldErrors::new();
        let mut read = |name: &str, default: i64, min: i64| -> i64 {
            let Some(raw) = query_param(uri, name) else {
                return default;
            };
            match raw.parse::<i64>() {
                Ok(n) if n >= min => n,
                Ok(_) if min > 0 => {
                    errors.add(name.into(), format!("must be at least {min}"));
                    default
                }
                _ => {
                    errors.add(name.into(), "must be a whole number of 0 or more");
                    default
                }
            }
        };
        let offset = read("offset", 0, 0);
        let max = read("max", default_max, 1).min(cap);
        if errors.is_empty() {
            Ok(Paging { offset, max })
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// How many rows to fetch: one more than a page, which tells whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        self.max + 1
    }

    /// Cuts rows fetched with `fetch_limit` to this page, with the link to the next page
    /// while more remain. `public_url` is the config's (no trailing slash).
    pub fn page<T>(&self, mut rows: Vec<T>, public_url: &str, uri: &Uri) -> Paged<T> {
        let more = rows.len() as i64 > self.max;
        rows.truncate(self.max.max(0) as usize);
        let next = more.then(|| next_url(public_url, uri, self.offset.saturating_add(self.max)));
        Paged { items: rows, next }
    }
}

/// The full URL of the page at `offset`: the public URL, the request's path, and its
/// query with `offset` replaced (added when absent), other parameters kept in order.
pub fn next_url(public_url: &str, uri: &Uri, offset: i64) -> String {
    let mut pairs = query_pairs(uri);
    let offset = offset.to_string();
    match pairs.iter_mut().find(|(k, _)| k == "offset") {
        Some(pair) => pair.1 = offset,
        None => pairs.push(("offset".into(), offset)),
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{public_url}{}?{query}", uri.path())
}

/// A page of a list: `{"items": [...]}` plus the `Link` header while more remain.
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The full URL of the next page.
    pub next: Option<String>,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[derive(Serialize)]
struct Items<'a, T> {
    items: &'a [T],
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = Json(Items { items: &self.items }).into_response();
        if let Some(next) = self.next
            && let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_apply_and_max_is_capped() {
        assert_eq!(
            Paging::from_uri(&uri("/v1/x"), 50, 100).unwrap(),
            Paging { offset: 0, max: 50 }
        );
        assert_eq!(
            Paging::from_uri(&uri("/v1/x?offset=20&max=500"), 50, 100).unwrap(),
            Paging {
                offset: 20,
                max: 100
            }
        );
    }

    #[test]
    fn non_numeric_negative_and_zero_values_are_refused() {
        for q in [
            "offset=abc",
            "offset=-1",
            "max=-5",
            "max=ten",
            "max=0",
            "max=1.5",
        ] {
            let r = Paging::from_uri(&uri(&format!("/v1/x?{q}")), 50, 100);
            let Err(AppError::Validation(errors)) = r else {
                panic!("{q} accepted");
            };
            let field = q.split('=').next().unwrap();
            assert!(errors.has(&field.into()), "{q}: {errors:?}");
        }
    }

    #[test]
    fn a_list_request_reads_repeated_and_comma_separated_values_and_its_limits() {
        let r = ListRequest::<50, 100> {
            uri: uri("/v1/x?status=a,b&status=%20c%20&status=&max=500"),
        };
        assert_eq!(r.list_param("status"), vec!["a", "b", "c"]);
        assert_eq!(
            r.paging().unwrap(),
            Paging {
                offset: 0,
                max: 100
            }
        );
        let r = ListRequest::<50, 100> {
            uri: uri("/v1/x?offset=x"),
        };
        assert!(r.paging().is_err());
    }

    #[test]
    fn the_next_link_keeps_the_query_and_moves_the_offset() {
        let p = Paging { offset: 0, max: 2 };
        let page = p.page(
            vec![1, 2, 3],
            "https://hub.example",
            &uri("/v1/x?max=2&provisioningState=active"),
        );
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            page.next.as_deref(),
            Some("https://hub.example/v1/x?max=2&provisioningState=active&offset=2")
        );
        let p = Paging { offset: 2, max: 2 };
        let page = p.page(
            vec![3, 4, 5],
            "https://hub.example",
            &uri("/v1/x?offset=2&max=2"),
        );
        assert_eq!(
            page.next.as_deref(),
            Some("https://hub.example/v1/x?offset=4&max=2")
        );
        let last = p.page(vec![3], "https://hub.example", &uri("/v1/x?offset=2&max=2"));
        assert_eq!(last.next, None);
    }
}
