//! How the OAuth endpoints answer: RFC 6749 §5.2 error bodies, and
//! `Cache-Control: no-store` on everything (RFC 6749 §5.1).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward::service::OAuthError;
use keyward::wire::authorization::Authorization;

use super::caller::authorization;

/// An RFC 6749 §5.2 error body.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, …
    pub error: String,
    pub error_description: String,
}

/// A token, an introspection or a revocation must never be cached.
pub fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// The answer to `result`: its value as JSON, or the error as RFC 6749 §5.2
/// says, with a `Basic` challenge when the request tried HTTP Basic.
pub fn answer<T: IntoResponse>(result: Result<T, OAuthError>, headers: &HeaderMap) -> Response {
    match result {
        Ok(value) => no_store(value.into_response()),
        Err(e) => oauth_error(&e, tried_basic(headers)),
    }
}

/// Whether the client tried to authenticate with `Authorization: Basic`,
/// well-formed or not: then a refused client is told how (RFC 6749 §5.2).
fn tried_basic(headers: &HeaderMap) -> bool {
    matches!(
        authorization(headers),
        Some(Authorization::Basic { .. } | Authorization::MalformedBasic)
    )
}

fn oauth_error(e: &OAuthError, basic: bool) -> Response {
    let status = match e {
        OAuthError::InvalidClient { .. } => StatusCode::UNAUTHORIZED,
        OAuthError::TemporarilyUnavailable { .. } => StatusCode::TOO_MANY_REQUESTS,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = OAuthErrorBody {
        error: e.code().to_owned(),
        error_description: e.to_string(),
    };
    let mut res = (status, Json(body)).into_response();
    match e {
        OAuthError::InvalidClient { .. } if basic => {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"keyward\""),
            );
        }
        OAuthError::TemporarilyUnavailable { retry_after } => {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        _ => {}
    }
    no_store(res)
}
