//! `POST /v1/keys/verify`: is this key good for this call? Always 200 with a
//! code, so a gateway can branch on `valid` without parsing errors.

use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use keyward::domain::{CredentialRole, Scope};
use keyward::policy::{RequestFacts, VerifyCode};
use keyward::service::Keyward;
use keyward::verify::{Presented, SignedRequest, Verdict};
use keyward::wire::forwarded::parse_ip;
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, Object, client_ip, required_scopes};
use super::problem::{ApiError, ApiResult};
use super::responses::BadBody;

/// What to check.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The API key as the client sent it, or the client secret when `client_id` is given.
    /// Absent for an application's signed request (give `headers`, `url` and `body`).
    #[serde(default)]
    pub key: Option<String>,
    /// For a Basic or OAuth client: its id (`kwc_…`); `key` is then its secret (`kws_…`).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Scopes the call needs, e.g. `["compute:read"]`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The client's IP, checked against the key's allowed CIDRs (default: the caller of this endpoint).
    #[serde(default)]
    pub ip: Option<String>,
    /// The HTTP method of the call, checked against the key's rights.
    #[serde(default)]
    pub method: Option<String>,
    /// The path of the call, checked against the key's rights.
    #[serde(default)]
    pub path: Option<String>,
    /// The account the call concerns; Account Viewer roles count only for their accounts.
    #[serde(default)]
    pub account: Option<String>,
    /// For a signed request: the full URL the client called and signed.
    #[serde(default)]
    pub url: Option<String>,
    /// For a signed request: the raw body it sent (empty for none).
    #[serde(default)]
    pub body: Option<String>,
    /// For a signed request: its `X-Ovh-Application`, `X-Ovh-Consumer`,
    /// `X-Ovh-Timestamp` and `X-Ovh-Signature` headers.
    #[serde(default)]
    pub headers: Option<SignedHeaders>,
}

/// The four headers of an application's signed request (OVH style).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignedHeaders {
    #[serde(rename = "X-Ovh-Application", alias = "x-ovh-application")]
    pub application: String,
    #[serde(rename = "X-Ovh-Consumer", alias = "x-ovh-consumer")]
    pub consumer: String,
    #[serde(rename = "X-Ovh-Timestamp", alias = "x-ovh-timestamp")]
    pub timestamp: String,
    #[serde(rename = "X-Ovh-Signature", alias = "x-ovh-signature")]
    pub signature: String,
}

/// The answer. Fields beyond `valid` and `code` appear when a credential was found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    pub code: VerifyCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// For a signed request: the consumer key's id (`ck_…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scopes the key holds, its roles' included.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub scopes: Option<Vec<Scope>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<CredentialRole>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The credential's rate limit after this call; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratelimit: Option<RateLimitState>,
}

/// Where a credential stands against its rate limit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RateLimitState {
    /// Requests per window.
    pub limit: u32,
    /// Requests that could be made now.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset: u32,
}

impl VerifyResponse {
    /// Builds the answer; a missing credential reveals nothing but the code.
    pub fn from_verdict(v: &Verdict, account: Option<&str>) -> Self {
        let (credential, owner) = match (&v.credential, &v.account) {
            (Some(c), Some(a)) if !matches!(v.code, VerifyCode::NotFound | VerifyCode::Malformed) => (Some(c), Some(a)),
            _ => (None, None),
        };
        Self {
            valid: v.code.is_valid(),
            code: v.code,
            key_id: credential.map(|c| c.public_id.clone()),
            consumer_key_id: credential.and(v.consumer.as_ref()).map(|k| k.public_id.clone()),
            account: owner.map(|a| a.name.clone()),
            name: credential.map(|c| c.name.clone()),
            scopes: credential.map(|_| v.granted_scopes(account)),
            roles: credential.map(|c| {
                if v.token.is_some() {
                    Vec::new()
                } else {
                    c.grants.roles.clone()
                }
            }),
            expires_at: match &v.token {
                Some(t) => credential.map(|_| t.exp),
                None => credential.and_then(|c| c.expires_at),
            },
            ratelimit: v.rate.map(|r| RateLimitState {
                limit: r.decision.limit,
                remaining: r.decision.remaining,
                reset: r.decision.reset_seconds,
            }),
        }
    }
}

/// Verify a key for a call: expiry, revocation, the account's API switch, IP, rights and scopes.
#[utoipa::path(post, path = "/keys/verify", tag = "verification", request_body = VerifyRequest,
    responses(
        (status = 200, description = "The decision; `valid` is true only with code VALID", body = VerifyResponse),
        BadBody,
    ))]
pub async fn verify(
    State(kw): State<Keyward>,
    parts: Parts,
    ApiJson(Object(req)): ApiJson<Object<VerifyRequest>>,
) -> ApiResult<Json<VerifyResponse>> {
    let required = required_scopes(&req.scopes)?;
    let ip = match req.ip.as_deref() {
        Some(s) => Some(parse_ip(s).ok_or_else(|| ApiError::invalid("ip", format!("{s:?} is not an IP address")))?),
        None => client_ip(&parts),
    };
    let facts = RequestFacts {
        ip,
        method: req.method.as_deref(),
        path: req.path.as_deref(),
        required_scopes: &required,
        account: req.account.as_deref(),
    };
    let signed = match (&req.headers, &req.key) {
        (Some(h), None) => Some(SignedRequest {
            application: h.application.trim(),
            consumer: h.consumer.trim(),
            timestamp: h.timestamp.trim(),
            signature: h.signature.trim(),
            method: req.method.as_deref().unwrap_or("GET"),
            url: req
                .url
                .as_deref()
                .ok_or_else(|| ApiError::invalid("url", "a signed request needs the full URL the client signed"))?,
            body: req.body.as_deref().unwrap_or_default().as_bytes(),
        }),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "key",
                "give either a key or a signed request's headers",
            ));
        }
        (None, _) => None,
    };
    let key = req.key.as_deref().unwrap_or_default().trim();
    if signed.is_none() && key.is_empty() {
        return Err(ApiError::invalid("key", "give a key, or a signed request's headers"));
    }
    let presented = match (&signed, req.client_id.as_deref()) {
        (Some(s), _) => Presented::Signed(s),
        (None, Some(id)) => Presented::ClientPair {
            id: id.trim(),
            secret: key,
        },
        (None, None) => Presented::Key { key, from_query: false },
    };
    let verdict = kw.verification().verify(presented, &facts).await?;
    Ok(Json(VerifyResponse::from_verdict(&verdict, req.account.as_deref())))
}
