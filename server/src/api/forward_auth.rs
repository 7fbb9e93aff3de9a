//! `/v1/auth` (any method): forward-auth for nginx `auth_request`, Traefik
//! `forwardAuth` and Envoy `ext_authz`. The gateway forwards the client's
//! request headers; Keyward answers 200, 401, 403 or 429 with an empty-ish body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward::policy::{RequestFacts, VerifyCode};
use keyward::service::Keyward;
use keyward::verify::{Presented, SignedRequest};
use keyward::wire::authorization::Authorization;
use keyward::wire::form::Params;

use super::caller::authorization;
use super::extract::{client_ip, request_path, required_scopes};
use super::problem::{ApiResult, Problem};
use super::rate_headers::rate_headers;
use crate::client_ip::forwarded_ip;

/// Where the credential was found.
enum Found {
    /// An application's signed request: the four `X-Ovh-*` headers.
    Signed {
        application: String,
        consumer: String,
        timestamp: String,
        signature: String,
    },
    Key {
        key: String,
        from_query: bool,
    },
    Basic {
        id: String,
        secret: String,
    },
    /// No credential at all (or only an `Authorization` scheme Keyward does
    /// not read): RFC 6750 §3.1 says to answer without an error code.
    Nothing,
    /// A Basic header that does not decode to `id:secret`.
    MalformedBasic,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A header the decision depends on, even when it holds bytes that are not
/// visible ASCII (nginx forwards raw bytes of the request line): they come
/// through as U+FFFD, which no right, scope or method matches, instead of the
/// header reading as absent and its check being skipped.
fn header_lossy<'a>(h: &'a HeaderMap, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    h.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()))
}

/// The full URL a client signed, as the gateway forwards it: its scheme
/// (`X-Forwarded-Proto`, default `https`), host (`X-Forwarded-Host`, else
/// `Host`) and path with query (`X-Forwarded-Uri`). A wrong part only makes
/// the signature fail; it cannot make a bad one pass.
fn signed_url(h: &HeaderMap, uri: &str) -> String {
    let proto = header(h, "x-forwarded-proto").unwrap_or("https").trim();
    let host = header(h, "x-forwarded-host")
        .or_else(|| header(h, "host"))
        .unwrap_or_default()
        .trim();
    format!("{proto}://{host}{uri}")
}

fn query_key(query: Option<&str>) -> Option<String> {
    Params::parse(query?).first("api_key").map(str::to_owned)
}

fn find_credential(parts: &Parts) -> Found {
    let h = &parts.headers;
    if let Some(application) = header(h, "x-ovh-application") {
        let part = |name| header(h, name).unwrap_or_default().trim().to_owned();
        return Found::Signed {
            application: application.trim().to_owned(),
            consumer: part("x-ovh-consumer"),
            timestamp: part("x-ovh-timestamp"),
            signature: part("x-ovh-signature"),
        };
    }
    match authorization(h) {
        Some(Authorization::Bearer(token)) => {
            return Found::Key {
                key: token.to_owned(),
                from_query: false,
            };
        }
        Some(Authorization::Basic { id, secret }) => return Found::Basic { id, secret },
        Some(Authorization::MalformedBasic) => return Found::MalformedBasic,
        Some(Authorization::Unsupported) | None => {}
    }
    if let Some(key) = header(h, "x-api-key") {
        return Found::Key {
            key: key.trim().to_owned(),
            from_query: false,
        };
    }
    let forwarded_query = header(h, "x-forwarded-uri")
        .and_then(|u| u.split_once('?'))
        .map(|(_, q)| q);
    match query_key(parts.uri.query()).or_else(|| query_key(forwarded_query)) {
        Some(key) => Found::Key { key, from_query: true },
        None => Found::Nothing,
    }
}

/// How a 401 challenges the client (RFC 6750 §3 and RFC 7617).
#[derive(Clone, Copy)]
enum Challenge {
    /// Nothing was presented: the scheme only, no error code.
    Bearer,
    /// A Bearer credential was presented and refused.
    InvalidToken,
    Basic,
}

/// The body of a refusal: `valid` and `code` as `/v1/keys/verify` answers them.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Refusal {
    /// Always false.
    pub valid: bool,
    pub code: VerifyCode,
}

fn refusal(status: StatusCode, code: VerifyCode, challenge: Challenge) -> Response {
    let mut res = (status, Json(Refusal { valid: false, code })).into_response();
    let h = res.headers_mut();
    h.insert("x-keyward-code", HeaderValue::from_static(code.as_str()));
    if status == StatusCode::UNAUTHORIZED {
        let value = match challenge {
            Challenge::Basic => "Basic realm=\"keyward\"",
            Challenge::Bearer => "Bearer realm=\"keyward\"",
            Challenge::InvalidToken => "Bearer realm=\"keyward\", error=\"invalid_token\"",
        };
        h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
    }
    if status == StatusCode::FORBIDDEN && code == VerifyCode::InsufficientScope {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"keyward\", error=\"insufficient_scope\""),
        );
    }
    res
}

/// Forward-auth: reads the credential from `Authorization` (Bearer or Basic),
/// `X-API-Key`, the `api_key` query parameter, or an application's signed
/// request (`X-Ovh-*`; rights match the path below the API base); the call from
/// `X-Forwarded-Method` / `X-Forwarded-Uri`; the client's address from the
/// operator's client-IP header only (default: the last `X-Forwarded-For` hop);
/// required scopes from `X-Required-Scopes`.
/// Every method a gateway may forward is answered alike.
#[utoipa::path(method(get, post, put, patch, delete, head, options, trace), path = "/auth", tag = "verification",
    params(
        ("X-Forwarded-Method" = Option<String>, Header, description = "The client's HTTP method, checked against the key's rights"),
        ("X-Forwarded-Uri" = Option<String>, Header, description = "The client's path and query, checked against the key's rights"),
        ("X-Forwarded-For" = Option<String>, Header, description = "The client's IP (the last hop is used), or whichever header --client-ip-header names; no other header is read"),
        ("X-Forwarded-Proto" = Option<String>, Header, description = "For a signed request: the scheme of the URL the client signed (default https)"),
        ("X-Forwarded-Host" = Option<String>, Header, description = "For a signed request: the host of the URL the client signed (default: Host)"),
        ("X-Ovh-Application" = Option<String>, Header, description = "An application's signed request: its application key, with X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature; the body of this request is the body the client signed"),
        ("X-Required-Scopes" = Option<String>, Header, description = "Scopes the call needs, comma- or space-separated"),
        ("X-Keyward-Account" = Option<String>, Header, description = "The account the call concerns, for Account Viewer roles"),
        ("X-API-Key" = Option<String>, Header, description = "The key, when not sent as Authorization"),
        ("api_key" = Option<String>, Query, description = "The key in the query string, if the account allows it"),
    ),
    responses(
        (status = 200, description = "Allowed; `X-Keyward-Key-Id`, `X-Keyward-Account` and `X-Keyward-Scopes` describe the key"),
        (status = 401, description = "Missing, malformed, unknown, expired or revoked (`WWW-Authenticate` says so)", body = Refusal),
        (status = 403, description = "A good key, but not for this call: scope, IP, rights, or the account's API is disabled", body = Refusal),
        (status = 422, description = "`VALIDATION_FAILED`: `X-Required-Scopes` holds something that is not a scope", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited; see `Retry-After`", body = Refusal),
    ))]
pub async fn forward_auth(State(kw): State<Keyward>, parts: Parts, body: Bytes) -> ApiResult<Response> {
    let h = &parts.headers;
    let required = header_lossy(h, "x-required-scopes").unwrap_or_default();
    let required = required_scopes(&required.split([',', ' ']).filter(|p| !p.is_empty()).collect::<Vec<_>>())?;
    // The call being authorised: what the gateway forwards, else this very
    // request (so a credential with rights never passes for want of a path).
    let method = header_lossy(h, "x-forwarded-method").unwrap_or_else(|| parts.method.as_str().into());
    let uri = header_lossy(h, "x-forwarded-uri").unwrap_or_else(|| request_path(&parts).to_owned().into());
    let account = header_lossy(h, "x-keyward-account");
    let ip = forwarded_ip(h, &kw.config().client_ip_header).or(client_ip(&parts));
    let facts = RequestFacts {
        ip,
        method: Some(&method),
        path: Some(&uri),
        required_scopes: &required,
        account: account.as_deref(),
    };
    let found = find_credential(&parts);
    let full_url = signed_url(h, &uri);
    let signed = match &found {
        Found::Signed {
            application,
            consumer,
            timestamp,
            signature,
        } => Some(SignedRequest {
            application,
            consumer,
            timestamp,
            signature,
            method: &method,
            url: &full_url,
            body: &body,
        }),
        _ => None,
    };
    let (presented, challenge) = match &found {
        Found::Signed { .. } => (
            Presented::Signed(signed.as_ref().expect("built above for a signed request")),
            Challenge::InvalidToken,
        ),
        Found::Key { key, from_query } => (
            Presented::Key {
                key,
                from_query: *from_query,
            },
            Challenge::InvalidToken,
        ),
        Found::Basic { id, secret } => (Presented::Basic { id, secret }, Challenge::Basic),
        Found::Nothing => {
            return Ok(refusal(
                StatusCode::UNAUTHORIZED,
                VerifyCode::Malformed,
                Challenge::Bearer,
            ));
        }
        Found::MalformedBasic => {
            return Ok(refusal(
                StatusCode::UNAUTHORIZED,
                VerifyCode::Malformed,
                Challenge::Basic,
            ));
        }
    };
    let verdict = kw.verification().verify(presented, &facts).await?;
    let status = StatusCode::from_u16(verdict.code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let limit_headers = verdict.rate.as_ref().map(rate_headers).unwrap_or_default();
    if !verdict.code.is_valid() {
        let mut res = refusal(status, verdict.code, challenge);
        res.headers_mut().extend(limit_headers);
        return Ok(res);
    }
    let (Some(c), Some(a)) = (&verdict.credential, &verdict.account) else {
        return Ok(refusal(StatusCode::UNAUTHORIZED, VerifyCode::NotFound, challenge));
    };
    let decided_for = account.as_deref().unwrap_or(&a.name);
    let scopes = verdict
        .granted_scopes(Some(decided_for))
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut res = StatusCode::OK.into_response();
    let out = res.headers_mut();
    for (name, value) in [
        ("x-keyward-key-id", c.public_id.as_str()),
        ("x-keyward-account", decided_for),
        ("x-keyward-scopes", scopes.as_str()),
        ("x-keyward-code", "VALID"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(name, v);
        }
    }
    out.extend(limit_headers);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_percent_decoded() {
        assert_eq!(
            query_key(Some("a=1&api_key=kw%5Fprod%5Fx")).as_deref(),
            Some("kw_prod_x")
        );
        assert_eq!(query_key(Some("api_key=abc")).as_deref(), Some("abc"));
        assert_eq!(query_key(Some("key=abc")), None);
    }
}
