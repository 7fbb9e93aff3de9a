//! Who is calling: the `Authorization` header as every door reads it, and a
//! management credential's Bearer key turned into a service [`Caller`], for
//! the REST API's extractor and the OAuth endpoints alike.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use keyward::authz::Via;
use keyward::policy::{RequestFacts, VerifyCode};
use keyward::service::{Caller, KeyCaller, Keyward, ServiceError};
use keyward::verify::{Presented, Verdict};
use keyward::wire::authorization::{self, Authorization};

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
/// its own secret: a Bearer API key, or a client pair with HTTP Basic. Only
/// its standing and IP are checked, not its rights on Keyward's own paths:
/// what it may do about itself is the authorization module's question.
pub struct SelfCaller(pub Caller);

impl FromRequestParts<AppState> for SelfCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts);
        let facts = RequestFacts {
            ip,
            ..RequestFacts::default()
        };
        let (presented, via) = match authorization(&parts.headers) {
            Some(Authorization::Bearer(key)) => (Presented::Key { key, from_query: false }, Via::Secret),
            Some(Authorization::Basic { ref id, ref secret }) => {
                let verdict = state
                    .kw
                    .verification()
                    .verify(Presented::ClientPair { id, secret }, &facts)
                    .await?;
                return match state
                    .kw
                    .credentials()
                    .key_caller(&verdict, ip.map(|i| i.to_string()), Via::Secret)
                {
                    Some(caller) => Ok(SelfCaller(Caller::Key(caller))),
                    None => Err(refusal(&verdict)),
                };
            }
            _ => {
                return Err(ApiError::unauthorized(
                    "Send the credential itself: Authorization: Bearer <key>, or Basic with its client id and secret.",
                ));
            }
        };
        let verdict = state.kw.verification().verify(presented, &facts).await?;
        match state
            .kw
            .credentials()
            .key_caller(&verdict, ip.map(|i| i.to_string()), via)
        {
            Some(caller) => Ok(SelfCaller(Caller::Key(caller))),
            None => Err(refusal(&verdict)),
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
