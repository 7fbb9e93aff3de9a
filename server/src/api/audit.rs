//! `/v1/audit`: the audit trail, newest first.

use axum::Json;
use axum::extract::State;
use keyward::domain::{AuditFilter, AuditPage};
use keyward::service::Keyward;
use serde::Deserialize;

use super::caller::ApiCaller;
use super::extract::ApiQuery;
use super::problem::ApiResult;
use super::responses::{BadQuery, Refused};

/// Filters and the cursor.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// A dotted action such as `key.created`.
    pub action: Option<String>,
    /// An e-mail or a key prefix.
    pub actor: Option<String>,
    /// An account name.
    pub account: Option<String>,
    /// A target such as `key:key_…` or `account:acme`.
    pub target: Option<String>,
    /// Page size, 1–200 (default 50).
    #[serde(default, deserialize_with = "keyward::wire::page::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Read the audit trail within the caller's reach.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery), security(("bearer" = ["keys:read"])),
    responses((status = 200, description = "One page, newest first", body = AuditPage), Refused, BadQuery))]
pub async fn list(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let filter = AuditFilter {
        action: q.action,
        actor: q.actor,
        account: q.account,
        target: q.target,
        before: q.cursor,
        limit: q.limit,
    };
    Ok(Json(kw.audit().list(&caller, &filter).await?))
}
