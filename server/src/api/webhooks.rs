//! `/v1/webhooks`: endpoints per account, their delivery logs, test events
//! and replays.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyward::domain::webhook::{Delivery, Webhook, WebhookCreated, WebhookInput};
use keyward::service::Keyward;
use serde::Deserialize;

use super::caller::ApiCaller;
use super::extract::{ApiJson, ApiPath, ApiQuery, Object};
use super::problem::{ApiResult, Problem};
use super::responses::{BadBody, BadQuery, Refused};

/// Which account's endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WebhookQuery {
    /// One account's name; all within reach when absent.
    pub account: Option<String>,
}

/// List webhook endpoints (never their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(WebhookQuery), security(("bearer" = ["admin:read"])),
    responses((status = 200, description = "The endpoints, oldest first", body = Vec<Webhook>), Refused, BadQuery))]
pub async fn list(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<WebhookQuery>,
) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json(
        kw.notifications().list_webhooks(&caller, q.account.as_deref()).await?,
    ))
}

/// Add an endpoint. The answer's `secret` signs every request
/// (`Keyward-Signature`) and appears only here.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput, security(("bearer" = ["admin:write"])),
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookCreated),
        (status = 404, description = "No such account within reach", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn create(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiJson(Object(body)): ApiJson<Object<WebhookInput>>,
) -> ApiResult<(StatusCode, Json<WebhookCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(kw.notifications().create_webhook(&caller, body).await?),
    ))
}

/// Delete an endpoint; deliveries still queued for it are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id (`wh_…`)")),
    security(("bearer" = ["admin:write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn delete(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    kw.notifications().delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An endpoint's deliveries, newest first (the last 100).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id (`wh_…`)")),
    security(("bearer" = ["admin:read"])),
    responses(
        (status = 200, description = "The delivery log", body = Vec<Delivery>),
        (status = 404, description = "No such endpoint within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn deliveries(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(kw.notifications().webhook_deliveries(&caller, &id).await?))
}

/// Send a `webhook.test` event to this endpoint.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id (`wh_…`)")),
    security(("bearer" = ["admin:write"])),
    responses(
        (status = 202, description = "Queued; sent within a second", body = Delivery),
        (status = 404, description = "No such endpoint within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn test(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(kw.notifications().send_test_event(&caller, &id).await?),
    ))
}

/// Send a delivery's event again, with the same event id.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    params(
        ("id" = String, Path, description = "The endpoint's id (`wh_…`)"),
        ("delivery" = i64, Path, description = "The delivery's id"),
    ),
    security(("bearer" = ["admin:write"])),
    responses(
        (status = 202, description = "Queued as a new delivery", body = Delivery),
        (status = 400, description = "The delivery id is not a 64-bit integer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint or delivery within reach", body = Problem, content_type = "application/problem+json"),
        Refused,
    ))]
pub async fn replay(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, delivery)): ApiPath<(String, i64)>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(kw.notifications().replay_delivery(&caller, &id, delivery).await?),
    ))
}
