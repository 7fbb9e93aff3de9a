//! `/v1/usage`: a credential's calls by hour or day and outcome, for integrators.

use axum::Json;
use axum::extract::State;
use keyward::domain::usage::{Granularity, UsageSeries};
use keyward::service::Keyward;
use serde::Deserialize;

use super::caller::ApiCaller;
use super::extract::ApiQuery;
use super::problem::{ApiResult, Problem};
use super::responses::{BadQuery, Refused};

/// Which credential, when, and how fine.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// The credential's id (`key_…`).
    pub key: String,
    /// Unix seconds, inclusive (default: 24 hours, or 30 days by day, before `to`).
    #[serde(default, deserialize_with = "unix_seconds")]
    #[param(minimum = 0, maximum = 253_402_300_799_i64)]
    pub from: Option<i64>,
    /// Unix seconds, exclusive (default: now).
    #[serde(default, deserialize_with = "unix_seconds")]
    #[param(minimum = 0, maximum = 253_402_300_799_i64)]
    pub to: Option<i64>,
    /// `hour` (default) or `day`.
    pub granularity: Option<Granularity>,
}

/// The last second of the year 9999: a range end anyone could mean.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// Reads a moment between 1970 and the year 9999, so the service's range
/// arithmetic never meets `i64::MIN` (which overflowed it).
fn unix_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<i64>::deserialize(d)? {
        Some(t) if !(0..=MAX_UNIX_SECONDS).contains(&t) => Err(serde::de::Error::custom(format!(
            "must be Unix seconds between 0 and {MAX_UNIX_SECONDS}"
        ))),
        t => Ok(t),
    }
}

/// A credential's calls by hour or day and outcome code (the console's charts, as JSON).
#[utoipa::path(get, path = "/usage", tag = "keys", params(UsageQuery), security(("bearer" = ["keys:read"])),
    responses(
        (status = 200, description = "Buckets with calls, oldest first; counts are flushed every few seconds", body = UsageSeries),
        (status = 404, description = "No such credential within reach", body = Problem, content_type = "application/problem+json"),
        Refused, BadQuery,
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
