//! The REST API under `/v1`, the OAuth endpoints, and the OpenAPI document
//! built from the same route list, so the two cannot drift apart.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod caller;
pub mod extract;
pub mod forward_auth;
pub mod keys;
pub mod keys_bulk;
pub mod oauth;
pub mod oauth_error;
pub mod openapi;
pub mod problem;
pub mod rate_headers;
pub mod responses;
pub mod usage;
pub mod verify;
pub mod webhooks;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::{Arc, LazyLock};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

static OPENAPI: LazyLock<Arc<str>> = LazyLock::new(|| {
    let document = routes().into_openapi();
    Arc::from(document.to_pretty_json().expect("the OpenAPI document serialises"))
});

/// The OpenAPI document, for `/openapi.json` and the docs page.
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
    problem::ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "No such API route.")
}

/// `Cache-Control: no-store` unless a handler chose otherwise: management
/// answers and server functions carry secrets (a create, a rotation, a
/// webhook's signing secret), and console pages data no cache should keep;
/// the embedded assets set their own.
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// The `/v1` routes, the OAuth endpoints and `/openapi.json`, each operation
/// declared once with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(keys::create, keys::list))
        .routes(routes!(verify::verify))
        .routes(routes!(keys::get, keys::update, keys::revoke))
        .routes(routes!(keys::rotate))
        .routes(routes!(keys::rotate_self))
        .routes(routes!(keys::end_grace))
        .routes(routes!(keys_bulk::revoke_many))
        .routes(routes!(keys_bulk::export))
        .routes(routes!(applications::list_consumer_keys))
        .routes(routes!(applications::revoke_consumer_key))
        .routes(routes!(forward_auth::forward_auth))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::update))
        .routes(routes!(audit::list))
        .routes(routes!(usage::series))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::replay))
        .fallback(unknown_route)
        .layer(no_store());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/v1", v1)
        .routes(routes!(oauth::token))
        // The compatibility path some clients call, undocumented.
        .route("/api/v1/oauth/token", post(oauth::token))
        .routes(routes!(oauth::introspect))
        .routes(routes!(oauth::revoke))
        .routes(routes!(oauth::jwks))
        .routes(routes!(oauth::metadata))
        .route("/openapi.json", get(openapi_handler))
}
