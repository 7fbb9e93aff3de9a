//! `/v1/keys/revoke` and `/v1/keys/export`: revoke many credentials at once
//! and download a filtered list, beside the one-credential routes in `keys`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use keyward::domain::credential::{BulkOutcome, BulkSelection, ExportFormat};
use keyward::domain::key::Environment;
use keyward::domain::{Credential, CredentialKind, CredentialStatus, ValidationError};
use keyward::service::{CredentialQuery, Keyward, ServiceError};
use serde::Deserialize;

use super::caller::ApiCaller;
use super::extract::{ApiJson, ApiQuery, Object};
use super::problem::ApiResult;
use super::responses::{BadBody, BadQuery, Refused};

/// Which credentials a filter selects: the filters of `GET /v1/keys`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KeyFilter {
    /// Only this account.
    pub account: Option<String>,
    /// `active`, `expiring`, `expired` or `revoked`.
    pub status: Option<CredentialStatus>,
    /// `api_key`, `basic`, `oauth_client` or `application`.
    pub kind: Option<CredentialKind>,
    /// `prod`, `stg` or `dev`.
    pub environment: Option<Environment>,
    /// Matches the name, the display prefix or the id.
    pub q: Option<String>,
}

impl From<KeyFilter> for CredentialQuery {
    fn from(f: KeyFilter) -> Self {
        CredentialQuery {
            account: f.account,
            status: f.status,
            kind: f.kind,
            environment: f.environment,
            q: f.q,
            cursor: None,
            limit: None,
        }
    }
}

/// The body of a bulk revocation: either `ids`, or a `filter` with the
/// `confirm_count` the person saw.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRevokeRequest {
    /// The credential ids, `key_…` (at most 1000).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub ids: Option<Vec<String>>,
    /// Every credential within reach that this filter matches (at most 10,000).
    #[serde(default)]
    pub filter: Option<KeyFilter>,
    /// With `filter`: how many credentials it matched when the person chose
    /// to revoke them; if it matches another number now, nothing is revoked.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub confirm_count: Option<u64>,
}

impl BulkRevokeRequest {
    /// The selection the body names: exactly one of `ids` or `filter` (with `confirm_count`).
    fn selection(self) -> Result<BulkSelection, ValidationError> {
        match (self.ids, self.filter, self.confirm_count) {
            (Some(ids), None, None) => Ok(BulkSelection::Ids(ids)),
            (None, Some(filter), Some(confirm_count)) => Ok(BulkSelection::Filter {
                query: filter.into(),
                confirm_count,
            }),
            (None, Some(_), None) => Err(ValidationError::new(
                "confirm_count",
                "is required with a filter: the number of credentials you saw it match",
            )),
            (Some(_), Some(_), _) => Err(ValidationError::new("ids", "give either ids or a filter, not both")),
            (Some(_) | None, None, Some(_)) => Err(ValidationError::new("confirm_count", "goes with a filter")),
            (None, None, None) => Err(ValidationError::new("ids", "give ids or a filter")),
        }
    }
}

/// Revoke many credentials: each is revoked (and audited) on its own, as
/// `DELETE /v1/keys/{id}` would; the answer lists what was revoked and what
/// failed, and why. The calling credential is never revoked this way.
#[utoipa::path(post, path = "/keys/revoke", tag = "keys", request_body = BulkRevokeRequest,
    security(("bearer" = ["keys:write"])),
    responses(
        (status = 200, description = "Each credential revoked or failed (`NOT_FOUND`, `FORBIDDEN`, `EXCEEDS_CALLER`, `ALREADY_REVOKED`, `SELF`)", body = BulkOutcome),
        Refused, BadBody,
    ))]
pub async fn revoke_many(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiJson(Object(body)): ApiJson<Object<BulkRevokeRequest>>,
) -> ApiResult<Json<BulkOutcome>> {
    let selection = body.selection().map_err(ServiceError::from)?;
    Ok(Json(kw.credentials().revoke_many(&caller, selection).await?))
}

/// The query of an export: a format and the filters of `GET /v1/keys`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// Only this account.
    pub account: Option<String>,
    /// `active`, `expiring`, `expired` or `revoked`.
    pub status: Option<CredentialStatus>,
    /// `api_key`, `basic`, `oauth_client` or `application`.
    pub kind: Option<CredentialKind>,
    /// `prod`, `stg` or `dev`.
    pub environment: Option<Environment>,
    /// Matches the name, the display prefix or the id.
    pub q: Option<String>,
}

/// Download every credential within reach that the filters match (at most
/// 10,000), newest first, as CSV or JSON. Never a secret.
#[utoipa::path(get, path = "/keys/export", tag = "keys", params(ExportQuery),
    security(("bearer" = ["keys:read"])),
    responses(
        (status = 200, description = "The file, as an attachment", content(
            (String = "text/csv"),
            (Vec<Credential> = "application/json"),
        )),
        Refused, BadQuery,
    ))]
pub async fn export(
    State(kw): State<Keyward>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = q.format.unwrap_or_default();
    let query = CredentialQuery::from(KeyFilter {
        account: q.account,
        status: q.status,
        kind: q.kind,
        environment: q.environment,
        q: q.q,
    });
    let body = kw.credentials().export(&caller, &query, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", format.file_name());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}
