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

/// `GET /readyz`: the database answers, and this process has read the change
/// log recently (else it may be answering from stale memory). 503 when not.
pub async fn readyz(State(kw): State<Keyward>) -> impl IntoResponse {
    let unavailable = |reason: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        )
    };
    if let Err(e) = kw.store().ping().await {
        tracing::error!(error = %e, "readiness check failed");
        return unavailable("database");
    }
    match kw.coherence().lag().await {
        Ok(lag) if !lag.is_stale() => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(lag) => {
            tracing::warn!(since_ms = lag.since_caught_up_ms, "readiness: the change feed is stale");
            unavailable("change_feed")
        }
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            unavailable("database")
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
