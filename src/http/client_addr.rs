//! The client's address, as the audit log and the sign-in and token limits see it.
//!
//! `X-Forwarded-For` and `Forwarded` are believed only when the TCP peer is one of the
//! proxies named in `HUB_TRUSTED_PROXIES`; anyone else could write any address there and
//! so escape every per-address limit. Behind trusted proxies the client is the first
//! address, walking the chain from the nearest hop outwards, that is not itself a
//! trusted proxy (the rightmost untrusted entry): entries to its left were written by
//! the client and prove nothing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::state::AppState;

/// The networks whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs (`10.0.0.0/8, 192.168.1.7`); a bare address is one host.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is neither a CIDR block nor an address"))?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The client's address for this request, set by `layer` before any handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An IPv4 address seen as `::ffff:a.b.c.d` is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop of a forwarding header: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]`,
/// `"[2001:db8::1]:4711"`. Obfuscated or `unknown` hops are `None`.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(canonical);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    s.parse::<SocketAddr>().ok().map(|a| canonical(a.ip()))
}

/// The hops a request passed, nearest last: `Forwarded`'s `for=` parameters when that
/// header is present, otherwise `X-Forwarded-For`. A hop that cannot be read is `None`.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(forwarded) = joined("forwarded") {
        return forwarded
            .split(',')
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim().eq_ignore_ascii_case("for").then_some(value)
                })
            })
            .map(|value| value.and_then(parse_hop))
            .collect();
    }
    joined("x-forwarded-for")
        .map(|xff| xff.split(',').map(parse_hop).collect())
        .unwrap_or_default()
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the
/// rightmost hop that is not a trusted proxy. An unreadable hop stops the walk at the
/// last trusted address before it (nothing beyond it can be believed).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted.contains(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// Finds the client's address once per request and leaves it in the extensions.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let ip = resolve(peer, req.headers(), &state.config.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// The client's address as text for the audit log and the limits ("unknown" outside a
/// served request).
pub fn client_ip(parts: &Parts) -> String {
    of_extensions(&parts.extensions)
}

pub fn of_extensions(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ClientAddr>()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_are_ignored_unless_the_peer_is_trusted() {
        let spoof = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("forwarded", "for=198.51.100.9"),
        ]);
        let none = TrustedProxies::default();
        assert_eq!(resolve(ip("203.0.113.5"), &spoof, &none), ip("203.0.113.5"));
        let other = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            resolve(ip("203.0.113.5"), &spoof, &other),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        // The client wrote 1.1.1.1 itself; 198.51.100.9 is what our proxies saw.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.9, 10.1.2.3")]);
        assert_eq!(resolve(ip("192.168.1.7"), &h, &trusted), ip("198.51.100.9"));
        // Several header lines are one list, in order.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("198.51.100.9"));
        // No header: the proxy itself is all we know.
        assert_eq!(
            resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn forwarded_is_preferred_and_its_address_forms_are_read() {
        let trusted = TrustedProxies::parse("127.0.0.0/8").unwrap();
        let h = headers(&[
            (
                "forwarded",
                r#"for=192.0.2.60;proto=http, For="[2001:db8:cafe::17]:4711""#,
            ),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(
            resolve(ip("127.0.0.1"), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=192.0.2.60:8080")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("192.0.2.60"));
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "198.51.100.9, unknown, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn mapped_ipv4_is_ipv4_and_bad_lists_are_refused() {
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        assert!(trusted.contains(ip("::ffff:127.0.0.1")));
        assert!(TrustedProxies::parse("10.0.0.0/8, not-a-net").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
