//! Who is calling: the `Authorization` header as every door reads it, and a
//! management credential's Bearer key turned into a service [`Caller`], for
//! the REST API's extractor and the OAuth endpoints alike.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use keyward::authz::Via;
use keyward::policy::{RequestFacts, VerifyCode};
use keyward::service::{Caller, KeyCaller, Keyward, ServiceError};
use keyward::verify::{Presented, SignedRequest, Verdict};
use keyward::wire::authorization::{self, Authorization};
use serde::de::DeserializeOwned;

use super::extract::{client_ip, request_path};
use super::problem::ApiError;
use crate::state::AppState;

/// The request's `Authorization` header, Basic pairs form-decoded (see
/// [`authorization::parse_client`]); `None` when absent or not text.
pub fn authorization(headers: &HeaderMap) -> Option<Authorization<'_>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    Some(authorization::parse_client(value))
}

/// The request's Bearer token, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    match authorization(headers)? {
        Authorization::Bearer(token) => Some(token),
        _ => None,
    }
}

/// Verifies a management credential's Bearer `token` for this very call:
/// not revoked, expired or API-disabled, inside its CIDRs, and with rights
/// (if it has any) that allow this method and path of Keyward's own API.
/// `Err(verdict)` is a refusal, for the caller to answer in its own protocol.
pub async fn bearer_caller(
    kw: &Keyward,
    parts: &Parts,
    token: &str,
) -> Result<Result<KeyCaller, Verdict>, ServiceError> {
    let ip = client_ip(parts);
    let facts = RequestFacts {
        ip,
        method: Some(parts.method.as_str()),
        path: Some(request_path(parts)),
        ..RequestFacts::default()
    };
    let presented = Presented::Key {
        key: token,
        from_query: false,
    };
    let verdict = kw.verification().verify(presented, &facts).await?;
    Ok(kw
        .credentials()
        .key_caller(&verdict, ip.map(|i| i.to_string()), Via::Secret)
        .ok_or(verdict))
}

/// A management API caller authenticated by `Authorization: Bearer <api key>`
/// (see [`bearer_caller`]). Its scopes and reach are the authorization
/// module's, per service call.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("Send a credential as Authorization: Bearer <key>."))?;
        match bearer_caller(&state.kw, parts, token).await? {
            Ok(caller) => Ok(ApiCaller(Caller::Key(caller))),
            Err(verdict) => Err(refusal(&verdict)),
        }
    }
}

/// A credential calling about itself (`/v1/keys/self/…`), authenticated by
/// its own secret: a Bearer API key, a client pair with HTTP Basic, or an
/// application's signed request (`X-Ovh-*`, over the URL it called and this
/// body), with the request's JSON body (empty: `T::default()`). Only its
/// standing and IP are checked, not its rights on Keyward's own paths: what
/// it may do about itself is the authorization module's question.
pub struct SelfCaller<T>(pub Caller, pub T);

/// The largest body a credential calling about itself sends.
const SELF_BODY_LIMIT: usize = 64 * 1024;

impl<T: DeserializeOwned + Default + Send> FromRequest<AppState> for SelfCaller<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, SELF_BODY_LIMIT)
            .await
            .map_err(|_| ApiError::invalid("body", "is too large or could not be read"))?;
        let ip = client_ip(&parts);
        let facts = RequestFacts {
            ip,
            ..RequestFacts::default()
        };
        let ovh = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let kw = &state.kw;
        let (verdict, via) = if let Some(application) = ovh("x-ovh-application") {
            let url = called_url(&parts, kw.config().public_url.as_deref());
            let signed = SignedRequest {
                application,
                consumer: ovh("x-ovh-consumer").unwrap_or_default(),
                timestamp: ovh("x-ovh-timestamp").unwrap_or_default(),
                signature: ovh("x-ovh-signature").unwrap_or_default(),
                method: parts.method.as_str(),
                url: &url,
                body: &body,
            };
            let verdict = kw.verification().verify_signed_self_rotation(&signed, &facts).await?;
            (verdict, Via::Secret)
        } else {
            let auth = authorization(&parts.headers);
            let presented = match &auth {
                Some(Authorization::Bearer(key)) => Presented::Key { key, from_query: false },
                Some(Authorization::Basic { id, secret }) => Presented::ClientPair { id, secret },
                _ => {
                    return Err(ApiError::unauthorized(
                        "Send the credential itself: Authorization: Bearer <key>, Basic with its client id and secret, or an application's signed request.",
                    ));
                }
            };
            (kw.verification().verify(presented, &facts).await?, Via::Secret)
        };
        let Some(caller) = kw.credentials().key_caller(&verdict, ip.map(|i| i.to_string()), via) else {
            return Err(refusal(&verdict));
        };
        // Read only once the caller is known: a stranger learns nothing from
        // how its body was refused.
        let input = if body.iter().all(u8::is_ascii_whitespace) {
            T::default()
        } else {
            serde_json::from_slice(&body).map_err(|e| ApiError::invalid("body", e.to_string()))?
        };
        Ok(SelfCaller(Caller::Key(caller), input))
    }
}

/// The URL a client called, as it signed it: the operator's public URL (the
/// only origin Keyward can trust behind a proxy), else the `Host` it was
/// called at over plain HTTP; then the path and query as they came in.
fn called_url(parts: &Parts, public_url: Option<&str>) -> String {
    let target = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |o| &o.0)
        .path_and_query()
        .map_or("/", |p| p.as_str());
    match public_url {
        Some(base) => format!("{}{target}", base.trim_end_matches('/')),
        None => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            format!("http://{host}{target}")
        }
    }
}

/// A refused management credential: 429 when its rate limit is spent, 403
/// when it is good but not for this call, 401 otherwise.
fn refusal(verdict: &Verdict) -> ApiError {
    match (verdict.code, &verdict.rate) {
        (VerifyCode::RateLimited, Some(rate)) => ApiError::rate_limited(rate),
        (code, _) if code.http_status() == 403 => ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!("The credential may not make this call: {code}."),
        ),
        (code, _) => ApiError::unauthorized(format!("The credential was refused: {code}.")),
    }
}
