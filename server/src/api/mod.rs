//! The REST API under `/v1`, the OpenAPI document, and problem+json errors.

pub mod accounts;
pub mod audit;
pub mod extract;
pub mod forward_auth;
pub mod keys;
pub mod oauth;
pub mod openapi;
pub mod problem;
pub mod rate_headers;
pub mod usage;
pub mod verify;
pub mod webhooks;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{any, get, patch, post};
use std::sync::{Arc, LazyLock};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::router::AppState;

static OPENAPI: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(openapi::document()));

/// The OpenAPI document, for the docs page.
pub fn openapi_json() -> Arc<str> {
    OPENAPI.clone()
}

async fn openapi_handler() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        OPENAPI.to_string(),
    )
}

async fn unknown_route() -> problem::ApiError {
    problem::ApiError::new(axum::http::StatusCode::NOT_FOUND, "NOT_FOUND", "No such API route.")
}

/// `Cache-Control: no-store` unless a handler chose otherwise: management
/// answers and server functions carry secrets (a create, a rotation, a
/// webhook's signing secret), and console pages data no cache should keep;
/// the embedded assets set their own.
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// The `/v1` routes and `/openapi.json`.
pub fn routes() -> Router<AppState> {
    let v1 = Router::new()
        .route("/keys", post(keys::create).get(keys::list))
        .route("/keys/verify", post(verify::verify))
        .route("/keys/{id}", get(keys::get).patch(keys::update).delete(keys::revoke))
        .route("/keys/{id}/rotate", post(keys::rotate))
        .route("/auth", any(forward_auth::forward_auth))
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{name}", patch(accounts::update))
        .route("/audit", get(audit::list))
        .route("/usage", get(usage::series))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::delete))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/{id}/test", post(webhooks::test))
        .route("/webhooks/{id}/deliveries/{delivery}/replay", post(webhooks::replay))
        .fallback(unknown_route)
        .layer(no_store());
    Router::new()
        .nest("/v1", v1)
        .route("/oauth/token", post(oauth::token))
        .route("/api/v1/oauth/token", post(oauth::token))
        .route("/oauth/introspect", post(oauth::introspect))
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route("/.well-known/oauth-authorization-server", get(oauth::metadata))
        .route("/openapi.json", get(openapi_handler))
}
