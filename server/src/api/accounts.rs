//! `/v1/accounts`: list, create, and change an account's switches and plan.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keyward::domain::{Account, Plan, RateLimitSetting};
use keyward::service::{AccountPatch, Keyward};
use serde::Deserialize;

use super::caller::ApiCaller;
use super::extract::{ApiJson, ApiPath, Object};
use super::problem::{ApiResult, Problem};
use super::responses::{BadBody, Refused};

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// 1–40 lowercase letters, digits and inner hyphens.
    pub name: String,
    /// Defaults to `starter`.
    #[serde(default)]
    pub plan: Option<Plan>,
}

/// The fields that may change; absent ones stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    /// The "Enable API" switch: while false, every credential of the account is refused with API_DISABLED.
    #[serde(default)]
    pub api_enabled: Option<bool>,
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Whether keys may arrive in the `api_key` query parameter.
    #[serde(default)]
    pub allow_query_key: Option<bool>,
    /// Who hears about expiring credentials.
    #[serde(default)]
    pub notification_emails: Option<Vec<String>>,
    /// The account's own per-credential limit instead of its plan's:
    /// `{"limited": {"limit", "window_seconds", "burst"}}` or `"unlimited"`; `null` goes back to the plan's.
    #[serde(default, deserialize_with = "keyward::domain::validation::present")]
    #[schema(value_type = Option<RateLimitSetting>)]
    pub rate_limit: Option<Option<RateLimitSetting>>,
}

/// List the accounts within the caller's reach.
#[utoipa::path(get, path = "/accounts", tag = "accounts", security(("bearer" = ["admin:read"])),
    responses((status = 200, description = "The accounts", body = Vec<Account>), Refused))]
pub async fn list(State(kw): State<Keyward>, ApiCaller(caller): ApiCaller) -> ApiResult<Json<Vec<Account>>> {
    Ok(Json(kw.accounts().list(&caller).await?))
}

/// Create an account (needs admin:write and the Global Admin role).
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = CreateAccount, security(("bearer" = ["admin:write"])),
    responses(
        (status = 201, description = "Created", body = Account),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn create(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiJson(Object(body)): ApiJson<Object<CreateAccount>>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let account = kw
        .accounts()
        .create(&caller, &body.name, body.plan.unwrap_or(Plan::Starter))
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// Change `api_enabled`, `plan`, `allow_query_key`, `notification_emails` or `rate_limit`.
#[utoipa::path(patch, path = "/accounts/{name}", tag = "accounts", request_body = UpdateAccount,
    params(("name" = String, Path, description = "The account's name")),
    security(("bearer" = ["admin:write"])),
    responses(
        (status = 200, description = "The changed account", body = Account),
        (status = 404, description = "No such account within reach", body = Problem, content_type = "application/problem+json"),
        Refused, BadBody,
    ))]
pub async fn update(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiPath(name): ApiPath<String>,
    ApiJson(Object(body)): ApiJson<Object<UpdateAccount>>,
) -> ApiResult<Json<Account>> {
    let patch = AccountPatch {
        plan: body.plan,
        api_enabled: body.api_enabled,
        allow_query_key: body.allow_query_key,
        notification_emails: body.notification_emails,
        rate_limit: body.rate_limit,
    };
    Ok(Json(kw.accounts().update(&caller, &name, patch).await?))
}
