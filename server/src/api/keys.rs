//! `/v1/keys`: create, list, read, change, revoke and rotate credentials.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward::domain::credential::RotationDelivery;
use keyward::domain::{Credential, CredentialInput, ValidationError};
use keyward::service::{Created, CredentialPage, CredentialPatch, CredentialQuery, Keyward, ServiceError};
use keyward::wire::etag::{Precondition, etag};
use serde::{Deserialize, Serialize};

use super::caller::{ApiCaller, SelfCaller};
use super::extract::{ApiJson, ApiJsonOrEmpty, ApiPath, ApiQuery, Object};
use super::problem::{ApiResult, Problem};
use super::responses::{BadBody, BadQuery, Refused};

/// A credential with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyWithSecret {
    /// The API key, or the client secret of a Basic or OAuth pair. Store it now:
    /// it is kept only as a keyed hash and cannot be shown again.
    pub secret: String,
    /// For an application: its first consumer key, shown only here. Its
    /// application key is `client_id` and its application secret `secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(flatten)]
    pub credential: Credential,
}

impl From<Created> for KeyWithSecret {
    fn from(c: Created) -> Self {
        Self {
            secret: c.secret,
            consumer_key: c.consumer_key,
            credential: c.credential,
        }
    }
}

/// The body of a rotation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the old secret keeps working: default 86400 (24 h); 0 ends it now; at most 30 days.
    #[serde(default)]
    pub grace_period_seconds: Option<i64>,
    /// Rotate as the credential's rotation policy would when due, delivery
    /// included: no secret in the answer (it goes to the holder).
    #[serde(default)]
    pub by_policy: bool,
}

/// What "rotate now by policy" did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedByPolicy {
    /// `encrypted`: rotated, and the new secret went as a JWE in the `key.rotated`
    /// webhook; `notify`: `key.rotation_due` was sent and the holder rotates.
    pub delivery: RotationDelivery,
    pub credential: Credential,
}

/// Create a credential.
#[utoipa::path(post, path = "/keys", tag = "keys", request_body = CredentialInput,
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 201, description = "Created; `secret` (and `client_id` for a client pair) appear only here", body = KeyWithSecret),
        (status = 404, description = "No such account within reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken in this account", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn create(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiJson(Object(input)): ApiJson<Object<CredentialInput>>,
) -> ApiResult<(StatusCode, Json<KeyWithSecret>)> {
    let created = kw.credentials().create(&caller, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// List credentials, newest first. Never returns a secret.
#[utoipa::path(get, path = "/keys", tag = "keys", params(CredentialQuery),
    security(("bearer" = ["keys:read"])),
    responses((status = 200, description = "One page", body = CredentialPage), Refused, BadQuery))]
pub async fn list(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<CredentialQuery>,
) -> ApiResult<Json<CredentialPage>> {
    Ok(Json(kw.credentials().list(&caller, &q).await?))
}

/// A credential with its version as the `ETag`.
fn tagged(credential: Credential) -> Response {
    let tag = HeaderValue::from_str(&etag(credential.version)).expect("a quoted number is a header value");
    ([(header::ETAG, tag)], Json(credential)).into_response()
}

/// Read one credential.
#[utoipa::path(get, path = "/keys/{id}", tag = "keys", params(("id" = String, Path, description = "The credential id, key_…")),
    security(("bearer" = ["keys:read"])),
    responses(
        (status = 200, description = "The credential; `ETag` is its version, for `If-Match` on `PATCH`", body = Credential),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn get(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    Ok(tagged(kw.credentials().get(&caller, &id).await?))
}

/// Change a credential's description, scopes, roles, CIDRs, rights, expiry, auto-renew or metadata.
/// Only the fields in the body change; with `If-Match`, only if the credential is still at that version.
#[utoipa::path(patch, path = "/keys/{id}", tag = "keys", request_body = CredentialPatch,
    params(
        ("id" = String, Path, description = "The credential id, key_…"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the change applies only if it is still current"),
    ),
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 200, description = "The changed credential, with its new `ETag`", body = Credential),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`PRECONDITION_FAILED`: the credential changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn update(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(Object(patch)): ApiJson<Object<CredentialPatch>>,
) -> ApiResult<Response> {
    let precondition = match headers.get(header::IF_MATCH) {
        Some(v) => Precondition::parse(v.to_str().unwrap_or_default()),
        None => Precondition::None,
    };
    Ok(tagged(
        kw.credentials().update(&caller, &id, patch, &precondition).await?,
    ))
}

/// Revoke a credential. It is refused from the next request on; the record stays for audit.
#[utoipa::path(delete, path = "/keys/{id}", tag = "keys", params(("id" = String, Path, description = "The credential id, key_…")),
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 204, description = "Revoked (also when it already was)"),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn revoke(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    kw.credentials().revoke(&caller, &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issue a new secret; the old one keeps working for the grace period.
#[utoipa::path(post, path = "/keys/{id}/rotate", tag = "keys",
    request_body(content = Option<RotateRequest>, description = "Optional: no body rotates with the default grace period"),
    params(("id" = String, Path, description = "The credential id, key_…")),
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 200, description = "The new secret, shown once", body = KeyWithSecret),
        (status = 202, description = "With `by_policy`: the policy's rotation was done, its delivery queued; no secret here", body = RotatedByPolicy),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn rotate(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJsonOrEmpty(body): ApiJsonOrEmpty<RotateRequest>,
) -> ApiResult<Response> {
    if body.by_policy {
        if body.grace_period_seconds.is_some() {
            let refused = ValidationError::new(
                "grace_period_seconds",
                "a rotation by policy uses the policy's grace period",
            );
            return Err(ServiceError::from(refused).into());
        }
        let done = kw.credentials().rotate_by_policy(&caller, &id).await?;
        let answer = RotatedByPolicy {
            delivery: done.delivery,
            credential: done.credential,
        };
        return Ok((StatusCode::ACCEPTED, Json(answer)).into_response());
    }
    let created: KeyWithSecret = kw
        .credentials()
        .rotate(&caller, &id, body.grace_period_seconds)
        .await?
        .into();
    Ok(Json(created).into_response())
}

/// The calling credential rotates itself: send its own secret (Bearer key,
/// Basic with client id and secret, or an application's signed request with
/// the `X-Ovh-*` headers over this URL and body); no management scope is
/// needed. The answer carries the new secret, once; the previous one keeps
/// working for the grace period (the request's, else the credential's
/// policy's, else 24 h).
#[utoipa::path(post, path = "/keys/self/rotate", tag = "keys",
    request_body(content = Option<RotateRequest>, description = "Optional: no body rotates with the default grace period"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret, shown once", body = KeyWithSecret),
        (status = 403, description = "An access token cannot rotate its client's secret", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn rotate_self(
    State(kw): State<Keyward>,
    SelfCaller(caller, req): SelfCaller<RotateRequest>,
) -> ApiResult<Json<KeyWithSecret>> {
    if req.by_policy {
        let refused = ValidationError::new("by_policy", "a credential rotating itself receives its secret here");
        return Err(ServiceError::from(refused).into());
    }
    Ok(Json(
        kw.credentials()
            .rotate_self(&caller, req.grace_period_seconds)
            .await?
            .into(),
    ))
}

/// End the previous secret now, instead of at the end of the grace period a
/// rotation gave it. Taking power away, it needs what a revocation needs.
#[utoipa::path(delete, path = "/keys/{id}/previous-secret", tag = "keys",
    params(("id" = String, Path, description = "The credential id, key_…")),
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 204, description = "No previous secret works any more (also when none did)"),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn end_grace(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    kw.credentials().end_grace(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
