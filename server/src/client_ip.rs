//! The caller's address: worked out once per request by [`client_ip`], and
//! read again by forward-auth from the header the gateway forwards. Both read
//! the operator's client-IP header with [`forwarded_ip`] and the same rule for
//! a header that is there but unreadable.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use keyward::service::{ClientIp, Keyward};
use std::net::{IpAddr, SocketAddr};

/// Works out the caller's IP once and stores it as [`ClientIp`]. The
/// operator's client-IP header counts only with `--trust-proxy`: otherwise
/// anyone could claim any IP.
pub async fn client_ip(State(kw): State<Keyward>, mut req: Request, next: Next) -> Response {
    let socket = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = match kw.config().trust_proxy {
        false => socket,
        true => forwarded_ip(req.headers(), &kw.config().client_ip_header).or(socket),
    };
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// What the operator's client-IP header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// Not sent: the connection's own address counts.
    Absent,
    /// Sent, but not an address Keyward can read (bytes a proxy passed
    /// through, a mangled list): never fall back to the proxy's own address.
    Unreadable,
    Address(IpAddr),
}

impl Forwarded {
    /// The address to decide with: the header's, `fallback` when there was
    /// none, and no address at all when it was unreadable, so that no
    /// allow-list passes.
    pub fn or(self, fallback: Option<IpAddr>) -> Option<IpAddr> {
        match self {
            Forwarded::Address(ip) => Some(ip),
            Forwarded::Absent => fallback,
            Forwarded::Unreadable => None,
        }
    }
}

/// The address in the operator's client-IP header (every line of it; of a
/// list, the hop the proxy appended).
pub fn forwarded_ip(headers: &HeaderMap, name: &str) -> Forwarded {
    let lines: Vec<&HeaderValue> = headers.get_all(name).into_iter().collect();
    if lines.is_empty() {
        return Forwarded::Absent;
    }
    let Ok(values) = lines.iter().map(|v| v.to_str()).collect::<Result<Vec<_>, _>>() else {
        return Forwarded::Unreadable;
    };
    keyward::wire::forwarded::client_ip(name, values).map_or(Forwarded::Unreadable, Forwarded::Address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderName;

    fn headers<const N: usize>(pairs: [(&'static str, &'static str); N]) -> HeaderMap {
        HeaderMap::from_iter(pairs.map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v))))
    }

    #[test]
    fn forwarded_ip_reads_only_the_named_header() {
        let h = headers([("x-forwarded-for", "6.6.6.6, 10.0.0.7"), ("x-real-ip", "192.0.2.1")]);
        let ip = |s: &str| Forwarded::Address(s.parse().unwrap());
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), ip("10.0.0.7"));
        assert_eq!(forwarded_ip(&h, "X-Real-IP"), ip("192.0.2.1"));
        let h = headers([("x-real-ip", "192.0.2.1")]);
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Absent);
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_bytes(b"10.0.0.1, \x80").unwrap());
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Unreadable);
        let h = headers([("x-forwarded-for", "unknown")]);
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Unreadable);
    }

    #[test]
    fn an_unreadable_header_never_falls_back() {
        let fallback = Some("127.0.0.1".parse().unwrap());
        assert_eq!(Forwarded::Absent.or(fallback), fallback);
        assert_eq!(Forwarded::Unreadable.or(fallback), None);
    }
}
