//! Applications' endpoints: the consumer-key calls OVH's clients make under
//! the API base (`/1.0/auth/time`, `/1.0/auth/credential`), answered in OVH's
//! own shapes so those clients work unchanged; and, under `/v1`, listing and
//! revoking an application's consumer keys.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use keyward::domain::application::{BasePath, ConsumerKey, ConsumerKeyRequest};
use keyward::service::{Keyward, ServiceError};

use super::caller::ApiCaller;
use super::extract::{ApiPath, client_ip};
use super::problem::{ApiResult, Problem};
use super::responses::Refused;
use crate::state::AppState;

/// `<base>/auth/time` and `<base>/auth/credential`, under the configured base.
pub fn base_routes(base: &BasePath) -> Router<AppState> {
    Router::new()
        .route(&format!("{}/auth/time", base.as_str()), get(time))
        .route(&format!("{}/auth/credential", base.as_str()), post(credential))
        .layer(super::no_store())
}

/// The server's Unix time, a bare number as OVH answers it: clients sign
/// with the difference to their own clock.
async fn time(State(kw): State<Keyward>) -> Json<i64> {
    Json(kw.now())
}

/// An error as OVH's API writes it, which its clients map to exceptions.
fn ovh_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "errorCode": code, "httpCode": status.to_string(), "message": message })),
    )
        .into_response()
}

/// A consumer key for the rights asked for, pending until a user approves it.
async fn credential(State(kw): State<Keyward>, parts: Parts, body: axum::body::Bytes) -> Response {
    let Some(application_key) = header_str(&parts.headers, "x-ovh-application") else {
        return ovh_error(StatusCode::FORBIDDEN, "INVALID_KEY", "X-Ovh-Application is missing.");
    };
    let request: ConsumerKeyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return ovh_error(
                StatusCode::BAD_REQUEST,
                "BAD_PARAMETERS",
                &format!("The body is not a credential request: {e}"),
            );
        }
    };
    let origin = origin_of(&parts.headers, kw.config().public_url.is_some());
    let ip = client_ip(&parts).map(|i| i.to_string());
    match kw
        .applications()
        .request_consumer_key(application_key, request, &origin, ip)
        .await
    {
        Ok(grant) => Json(grant).into_response(),
        Err(ServiceError::Invalid(v)) => ovh_error(
            StatusCode::BAD_REQUEST,
            "BAD_PARAMETERS",
            &format!("{}: {}", v.field, v.message),
        ),
        Err(ServiceError::Rule {
            code: "INVALID_KEY",
            message,
        }) => ovh_error(StatusCode::FORBIDDEN, "INVALID_KEY", &message),
        Err(ServiceError::Rule { code, message }) => ovh_error(StatusCode::TOO_MANY_REQUESTS, code, &message),
        Err(e) => super::problem::ApiError::from(e).into_response(),
    }
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Where the validation page is reached when no public URL is configured:
/// the host the client called (it only shapes the client's own link).
fn origin_of(h: &HeaderMap, configured: bool) -> String {
    if configured {
        return String::new();
    }
    let host = header_str(h, header::HOST.as_str())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// An application's consumer keys, newest first. The keys themselves are never shown again.
#[utoipa::path(get, path = "/keys/{id}/consumer-keys", tag = "keys",
    params(("id" = String, Path, description = "The application's credential id, key_…")),
    security(("bearer" = ["keys:read"])),
    responses(
        (status = 200, description = "Its consumer keys", body = Vec<ConsumerKey>),
        (status = 404, description = "No such application within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn list_consumer_keys(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<ConsumerKey>>> {
    Ok(Json(kw.applications().consumer_keys(&caller, &id).await?))
}

/// Revoke one consumer key; the application and its other consumer keys go on working.
#[utoipa::path(delete, path = "/keys/{id}/consumer-keys/{consumer_key_id}", tag = "keys",
    params(
        ("id" = String, Path, description = "The application's credential id, key_…"),
        ("consumer_key_id" = String, Path, description = "The consumer key's id, ck_… (never the key itself)"),
    ),
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 200, description = "The revoked consumer key (also when it already was)", body = ConsumerKey),
        (status = 404, description = "No such application or consumer key within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn revoke_consumer_key(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, consumer_key_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<ConsumerKey>> {
    Ok(Json(
        kw.applications()
            .revoke_consumer_key(&caller, &id, &consumer_key_id)
            .await?,
    ))
}
