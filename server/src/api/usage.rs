//! `/v1/usage`: a credential's calls by hour or day and outcome, for integrators.

use axum::Json;
use axum::extract::State;
use keyward::domain::usage::{Granularity, UsageSeries};
use keyward::service::Keyward;
use serde::Deserialize;

use super::extract::{ApiCaller, ApiQuery};
use super::problem::{ApiResult, Problem};

/// Which credential, when, and how fine.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// The credential's id (`key_…`).
    pub key: String,
    /// Unix seconds, inclusive (default: 24 hours, or 30 days by day, before `to`).
    pub from: Option<i64>,
    /// Unix seconds, exclusive (default: now).
    pub to: Option<i64>,
    /// `hour` (default) or `day`.
    pub granularity: Option<Granularity>,
}

/// A credential's calls by hour or day and outcome code (the console's charts, as JSON).
#[utoipa::path(get, path = "/v1/usage", tag = "keys", params(UsageQuery), security(("bearer" = ["keys:read"])),
    responses(
        (status = 200, description = "Buckets with calls, oldest first; counts are flushed every few seconds", body = UsageSeries),
        (status = 401, description = "No valid credential", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too wide range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn series(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageSeries>> {
    Ok(Json(
        kw.usage().series(&caller, &q.key, q.from, q.to, q.granularity).await?,
    ))
}
