//! What server functions need from the request: the running [`Keyward`], the
//! signed-in principal, the caller's IP, and the session cookie.

use axum::http::{StatusCode, header};
use http::request::Parts;
use keyward::domain::Principal;
use keyward::service::{Caller, ClientIp, Keyward, RequestMeta};
use leptos::prelude::*;

use super::response;
use crate::error::ConsoleError;

/// The name of the console's session cookie: the console's business, not
/// the core's, which only sees the token.
const SESSION_COOKIE: &str = "kw_session";

/// The cookie of a sign-in whose password was right and that waits for its
/// second factor; it opens nothing but the code step.
const PENDING_COOKIE: &str = "kw_pending";

/// The instance, provided to every server function by the server crate.
pub fn keyward() -> Result<Keyward, ConsoleError> {
    use_context::<Keyward>().ok_or_else(|| {
        tracing::error!("Keyward is not in the server-function context");
        ConsoleError::Internal
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The caller's IP and user agent, for the audit trail and throttling.
pub fn request_meta() -> RequestMeta {
    let parts = parts();
    RequestMeta {
        ip: parts
            .as_ref()
            .and_then(|p| p.extensions.get::<ClientIp>())
            .map(|ip| ip.0.to_string()),
        user_agent: parts
            .as_ref()
            .and_then(|p| p.headers.get(header::USER_AGENT))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The session token from the request's cookie, if any.
pub fn session_token() -> Option<String> {
    session_token_in(&parts()?.headers)
}

/// The session token in a request's `Cookie` headers, if any.
pub fn session_token_in(headers: &http::HeaderMap) -> Option<String> {
    cookie_in(headers, SESSION_COOKIE)
}

/// The pending sign-in's token from the request's cookie, if any.
pub fn pending_token() -> Option<String> {
    cookie_in(&parts()?.headers, PENDING_COOKIE)
}

fn cookie_in(headers: &http::HeaderMap, cookie: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// The user the server's session check found for this page request, known
/// before anything renders; `None` outside a signed-in page load.
pub fn signed_in() -> Option<Principal> {
    parts()?.extensions.get::<Principal>().cloned()
}

/// The signed-in principal, or `Unauthenticated` (401).
pub async fn principal() -> Result<(Keyward, Principal), ConsoleError> {
    let kw = keyward()?;
    let token = session_token().ok_or_else(|| {
        response::set_status(StatusCode::UNAUTHORIZED);
        ConsoleError::Unauthenticated
    })?;
    let p = kw.sessions().authenticate(&token).await?;
    Ok((kw, p))
}

/// The signed-in principal, also while the two-factor policy keeps their
/// session to enrolment: for the enrolment server functions only.
pub async fn enrolling_principal() -> Result<(Keyward, Principal), ConsoleError> {
    let kw = keyward()?;
    let token = session_token().ok_or_else(|| {
        response::set_status(StatusCode::UNAUTHORIZED);
        ConsoleError::Unauthenticated
    })?;
    let p = kw.sessions().authenticate_to_enrol(&token).await?;
    Ok((kw, p))
}

/// The signed-in user as a service caller.
pub async fn caller() -> Result<(Keyward, Caller), ConsoleError> {
    let (kw, p) = principal().await?;
    Ok((kw, Caller::user(p, request_meta().ip)))
}

fn cookie_is_secure(kw: &Keyward) -> bool {
    let forwarded_https = kw.config().trust_proxy
        && parts()
            .and_then(|p| p.headers.get("x-forwarded-proto").cloned())
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    kw.config().is_https() || forwarded_https
}

/// Sets the session cookie: HttpOnly, SameSite=Strict, and Secure behind HTTPS.
pub fn set_session_cookie(kw: &Keyward, token: &str, max_age_secs: i64) {
    let secure = if cookie_is_secure(kw) { "; Secure" } else { "" };
    response::append_header(
        header::SET_COOKIE,
        &format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"),
    );
}

/// Removes the session cookie from the browser.
pub fn clear_session_cookie(kw: &Keyward) {
    clear_cookie(kw, SESSION_COOKIE);
}

/// Sets the pending sign-in cookie, with the same attributes as the session's.
pub fn set_pending_cookie(kw: &Keyward, token: &str, max_age_secs: i64) {
    let secure = if cookie_is_secure(kw) { "; Secure" } else { "" };
    response::append_header(
        header::SET_COOKIE,
        &format!("{PENDING_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"),
    );
}

/// Removes the pending sign-in cookie.
pub fn clear_pending_cookie(kw: &Keyward) {
    clear_cookie(kw, PENDING_COOKIE);
}

fn clear_cookie(kw: &Keyward, cookie: &str) {
    let secure = if cookie_is_secure(kw) { "; Secure" } else { "" };
    response::append_header(
        header::SET_COOKIE,
        &format!("{cookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    );
}
