//! Request middleware: cross-site request refusal, the console's sign-in
//! redirect, security headers, request counts, and request logs that never
//! contain a query string.

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyward::domain::Principal;
use keyward::service::{Keyward, ServiceError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::{Level, Span};

use crate::request_metrics::{RequestLabels, RequestMetrics};

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
/// `/login?next=…` from the server (and one the two-factor policy keeps to
/// enrolment with 303 to `/two-factor/setup`), instead of an empty page that leaves the
/// redirect to the browser's WASM. A signed-in one carries its [`Principal`]
/// on to the page, which then renders without looking the session up again.
pub async fn require_session(State(kw): State<Keyward>, mut req: Request, next: Next) -> Response {
    let page = matches!(*req.method(), Method::GET | Method::HEAD) && keyward_app::page_needs_session(req.uri().path());
    if page {
        let principal = match keyward_app::api::context::session_token_in(req.headers()) {
            Some(token) => kw.sessions().authenticate(&token).await,
            None => Err(ServiceError::Unauthenticated),
        };
        let principal = match principal {
            Ok(p) => Some(p),
            // The two-factor policy keeps this session to enrolment.
            Err(ServiceError::Rule {
                code: "SECOND_FACTOR_REQUIRED",
                ..
            }) => {
                return (
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, HeaderValue::from_static("/two-factor/setup"))],
                )
                    .into_response();
            }
            Err(_) => None,
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

/// Headers every response carries: no MIME sniffing, no framing, no
/// referrer beyond our origin, and a CSP that keeps the console from being
/// embedded or posting elsewhere.
pub fn security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    ]
    .into_iter()
    .fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ))
    })
}

/// Routes called once per API request of the platform: logging each of them
/// at `info` would cost more than answering. They log at `debug`.
const HOT_PATHS: [&str; 2] = ["/v1/auth", "/v1/keys/verify"];

/// Logs one line per request: method, path (never the query, which may hold a
/// secret such as a setup token or an `api_key`), status and duration.
pub fn access_log<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request<Body>| {
                let (method, path) = (req.method(), req.uri().path());
                if HOT_PATHS.contains(&path) {
                    tracing::debug_span!(target: "keyward::http", "request", %method, path)
                } else {
                    tracing::info_span!(target: "keyward::http", "request", %method, path)
                }
            })
            .on_request(())
            .on_response(|res: &Response, latency: Duration, span: &Span| {
                let (status, ms) = (res.status().as_u16(), latency.as_secs_f64() * 1000.0);
                // The span's level is the line's; a disabled span logs nothing.
                match span.metadata().map(|m| *m.level()) {
                    Some(Level::INFO) => tracing::info!(target: "keyward::http", status, ms, "answered"),
                    Some(_) => tracing::debug!(target: "keyward::http", status, ms, "answered"),
                    None => {}
                }
            })
            .on_failure(()),
    )
}

/// Counts each request for `/metrics` under its route pattern, method and status.
pub async fn count_request(State(requests): State<Arc<RequestMetrics>>, req: Request<Body>, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = RequestLabels {
        route,
        method,
        code: res.status().as_u16(),
    };
    requests.observe(&labels, started.elapsed().as_secs_f64());
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
}
