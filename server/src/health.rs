//! Liveness and readiness for orchestrators and load balancers.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use keyward::service::Keyward;
use prometheus_client::encoding::prometheus_text;
use serde_json::json;

/// `GET /healthz`: the process is up and serving HTTP.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers too. 503 when it does not.
pub async fn readyz(State(kw): State<Keyward>) -> impl IntoResponse {
    match kw.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database" })),
            )
        }
    }
}

/// Prometheus metrics: requests and latency by route, verification outcomes,
/// rate-limit refusals, the usage flush lag and the SQLite pool. Both halves
/// are Prometheus text 0.0.4, which has no end marker, so they concatenate.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        state.requests.render() + &state.kw.render_metrics().await,
    )
}
