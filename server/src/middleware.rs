//! Request middleware: the client's IP, cross-site request refusal, security
//! headers, and request logs that never contain a query string.

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyward::domain::Principal;
use keyward::service::{ClientIp, Keyward};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

/// Works out the caller's IP once and stores it as [`ClientIp`]. The
/// operator's client-IP header counts only with `--trust-proxy`: otherwise
/// anyone could claim any IP. A header that is there but unreadable leaves
/// the caller without an address, so no allow-list passes.
pub async fn client_ip(State(kw): State<Keyward>, mut req: Request, next: Next) -> Response {
    let socket = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = match kw.config().trust_proxy {
        false => socket,
        true => match forwarded_ip(req.headers(), &kw.config().client_ip_header) {
            Forwarded::Address(ip) => Some(ip),
            Forwarded::Absent => socket,
            Forwarded::Unreadable => None,
        },
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

/// Refuses state-changing requests from other sites. Leptos server functions
/// have no CSRF token, and SameSite=Strict cookies are one layer; this is the
/// second: `Sec-Fetch-Site: cross-site`, or an `Origin` that is not ours, is a 403.
pub async fn refuse_cross_site(State(kw): State<Keyward>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers(), kw.config().public_url.as_deref()) {
        tracing::warn!(path = req.uri().path(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let get = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    let Some(origin) = get(header::ORIGIN.as_str()) else {
        // Non-browser clients send no Origin; browsers always do on POST.
        return false;
    };
    let host = get(header::HOST.as_str()).unwrap_or_default();
    let ours = match public_url {
        Some(url) => url.trim_end_matches('/').eq_ignore_ascii_case(origin),
        None => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
    };
    !ours
}

/// Answers a signed-out request for a console page with 303 to
/// `/login?next=…` from the server, instead of an empty page that leaves the
/// redirect to the browser's WASM. A signed-in one carries its [`Principal`]
/// on to the page, which then renders without looking the session up again.
pub async fn require_session(State(kw): State<Keyward>, mut req: Request, next: Next) -> Response {
    let page = matches!(*req.method(), Method::GET | Method::HEAD) && keyward_app::page_needs_session(req.uri().path());
    if page {
        let principal = match keyward_app::api::context::session_token_in(req.headers()) {
            Some(token) => kw.sessions().authenticate(&token).await.ok(),
            None => None,
        };
        let Some(principal) = principal else {
            let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            let to = format!("/login?next={next}");
            return (
                StatusCode::SEE_OTHER,
                [(
                    header::LOCATION,
                    HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("/login")),
                )],
            )
                .into_response();
        };
        req.extensions_mut().insert::<Principal>(principal);
    }
    next.run(req).await
}

/// Adds headers every response should carry.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
    );
    res
}

/// Routes called once per API request of the platform: logging each of them
/// at `info` would cost more than answering. They log at `debug`.
const HOT_PATHS: [&str; 2] = ["/v1/auth", "/v1/keys/verify"];

/// Logs one line per request: method, path (never the query, which may hold a
/// secret such as a setup token or an `api_key`), status and duration; and
/// counts it for `/metrics` under its route pattern.
pub async fn access_log(State(kw): State<Keyward>, req: Request<Body>, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    kw.metrics().observe_http(&route, method.as_str(), status, secs);
    let ms = secs * 1000.0;
    if HOT_PATHS.contains(&path.as_str()) {
        tracing::debug!(target: "keyward::http", %method, path, status, ms, "request");
    } else {
        tracing::info!(target: "keyward::http", %method, path, status, ms, "request");
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_and_originless_requests_pass() {
        assert!(!is_cross_site(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]),
            None
        ));
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000")]), None));
        assert!(!is_cross_site(
            &headers(&[("origin", "https://keys.example.com")]),
            Some("https://keys.example.com/")
        ));
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        assert!(is_cross_site(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")]),
            None
        ));
        assert!(is_cross_site(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            None
        ));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), None));
        assert!(is_cross_site(
            &headers(&[("origin", "http://keys.example.com")]),
            Some("https://keys.example.com")
        ));
    }

    #[test]
    fn forwarded_ip_reads_only_the_named_header() {
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 10.0.0.7"), ("x-real-ip", "192.0.2.1")]);
        let ip = |s: &str| Forwarded::Address(s.parse().unwrap());
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), ip("10.0.0.7"));
        assert_eq!(forwarded_ip(&h, "X-Real-IP"), ip("192.0.2.1"));
        let h = headers(&[("x-real-ip", "192.0.2.1")]);
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Absent);
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_bytes(b"10.0.0.1, \x80").unwrap());
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Unreadable);
        let h = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(forwarded_ip(&h, "X-Forwarded-For"), Forwarded::Unreadable);
    }
}
