//! The whole HTTP surface in one router: operations endpoints, the console's
//! server functions and pages, and the embedded assets.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyward::service::Keyward;
use keyward_app::{App, shell};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_http::limit::RequestBodyLimitLayer;

use crate::state::{AppState, MAX_BODY_BYTES, leptos_options};
use crate::{api, assets, client_ip, finish_pages, health, middleware};

/// Builds the router for a running instance.
pub fn router(kw: Keyward) -> Router {
    let state = AppState {
        kw: kw.clone(),
        leptos: leptos_options(),
        requests: Default::default(),
    };
    let openapi = keyward_app::api::docs::OpenApiSource(api::openapi_json());
    let context = {
        let kw = kw.clone();
        let openapi = openapi.clone();
        move || {
            provide_context(kw.clone());
            provide_context(openapi.clone());
        }
    };
    let routes = generate_route_list(App);
    let console = Router::new()
        .route("/api/{*fn_name}", post(server_fn))
        .leptos_routes_with_context(&state, routes, context, {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .route_layer(from_fn_with_state(kw.clone(), middleware::require_session))
        .fallback(assets_or_not_found)
        .layer(from_fn(finish_pages::finish_abandoned_pages))
        .layer(api::no_store())
        .layer(from_fn_with_state(kw.clone(), middleware::refuse_cross_site));

    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(Router::from(api::routes()))
        .merge(api::applications::base_routes(&kw.config().application_base_path))
        .merge(console)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    let routes = middleware::security_headers(routes)
        .layer(from_fn_with_state(kw.clone(), client_ip::client_ip))
        .layer(from_fn_with_state(state.requests.clone(), middleware::count_request));
    middleware::access_log(routes).with_state(state)
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    let kw = state.kw.clone();
    let openapi = keyward_app::api::docs::OpenApiSource(api::openapi_json());
    handle_server_fns_with_context(
        move || {
            provide_context(kw.clone());
            provide_context(openapi.clone());
        },
        req,
    )
    .await
}

/// Serves an embedded file, or renders the console's 404 page.
async fn assets_or_not_found(State(state): State<AppState>, req: Request<Body>) -> Response {
    if let Some(res) = assets::serve(req.uri().path(), req.headers()) {
        return res;
    }
    let kw = state.kw.clone();
    let options = state.leptos.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(kw.clone()),
        move || shell(options.clone()),
    );
    let mut res = handler(req).await.into_response();
    if res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    res
}
