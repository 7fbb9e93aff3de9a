//! Extractors that turn a malformed request into a problem response instead
//! of axum's plain-text rejection, and the management API's Bearer auth.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use keyward::policy::RequestFacts;
use keyward::service::{Caller, ClientIp, Keyward};
use keyward::verify::Presented;
use keyward::wire::authorization::bearer;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::router::AppState;

/// A JSON body. Bad JSON is 400, a wrong content type 415, an oversized body
/// 413, and a body that does not fit the schema (unknown fields included) 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

/// A JSON body that may also be absent (an empty body reads as the default).
pub struct ApiJsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (req.headers().get(axum::http::header::CONTENT_TYPE).is_none()
                && req.headers().get(axum::http::header::TRANSFER_ENCODING).is_none()
                && req.headers().get(axum::http::header::CONTENT_LENGTH).is_none());
        if empty {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        let ApiJson(v) = ApiJson::<T>::from_request(req, state).await?;
        Ok(ApiJsonOrEmpty(v))
    }
}

/// Query parameters; a value that does not parse is a 422 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", e.body_text()))
    }
}

fn json_problem(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the body as JSON with Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
            format!("The body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", e.body_text())
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("The body is larger than {} bytes.", crate::router::MAX_BODY_BYTES),
        ),
        other => ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", other.body_text()),
    }
}

/// The caller's IP as the middleware determined it.
pub fn client_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ClientIp>().map(|c| c.0)
}

/// The path the client asked for, as it came in: a nested router sees its
/// own part only (`/keys` for `/v1/keys`), and rights name the whole path.
pub fn request_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |o| o.0.path())
}

/// A management API caller authenticated by `Authorization: Bearer <api key>`.
/// The key must verify like any other call, this one included: not revoked,
/// expired or API-disabled, inside its CIDRs, and with rights (if it has
/// any) that allow this method and path of Keyward's own API. Its scopes
/// and reach are the authorization module's, per service call.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let kw: &Keyward = &state.kw;
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .ok_or_else(|| ApiError::unauthorized("Send a credential as Authorization: Bearer <key>."))?;
        let ip = client_ip(parts);
        let path = request_path(parts).to_owned();
        let facts = RequestFacts {
            ip,
            method: Some(parts.method.as_str()),
            path: Some(&path),
            ..RequestFacts::default()
        };
        let verdict = kw
            .verification()
            .verify(
                Presented::Key {
                    key: token,
                    from_query: false,
                },
                &facts,
            )
            .await?;
        if let (keyward::policy::VerifyCode::RateLimited, Some(rate)) = (verdict.code, &verdict.rate) {
            return Err(ApiError::rate_limited(rate));
        }
        match kw
            .credentials()
            .key_caller(&verdict, ip.map(|i| i.to_string()), keyward::authz::Via::Secret)
        {
            Some(caller) => Ok(ApiCaller(Caller::Key(caller))),
            None if verdict.code.http_status() == 403 => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                format!("The credential may not make this call: {}.", verdict.code),
            )),
            None => Err(ApiError::unauthorized(format!(
                "The credential was refused: {}.",
                verdict.code
            ))),
        }
    }
}
