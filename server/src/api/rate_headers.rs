//! The rate-limit header fields of draft-ietf-httpapi-ratelimit-headers:
//! `RateLimit-Policy: "starter";q=60;w=60` and `RateLimit: "starter";r=42;t=18`,
//! plus `Retry-After` (whole seconds, at least 1) on a refusal.

use axum::http::{HeaderName, HeaderValue, header};
use keyward::verify::RateVerdict;

/// The header fields for one limiter answer.
pub fn rate_headers(rate: &RateVerdict) -> Vec<(HeaderName, HeaderValue)> {
    let d = &rate.decision;
    let mut out = Vec::with_capacity(3);
    let mut push = |name: HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.push((name, v));
        }
    };
    push(
        HeaderName::from_static("ratelimit-policy"),
        format!("\"{}\";q={};w={}", rate.policy, d.limit, d.window_seconds),
    );
    push(
        HeaderName::from_static("ratelimit"),
        format!("\"{}\";r={};t={}", rate.policy, d.remaining, d.reset_seconds),
    );
    if !d.allowed {
        push(header::RETRY_AFTER, d.retry_after_seconds.max(1).to_string());
    }
    out
}
