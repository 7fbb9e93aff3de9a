//! RFC 9457 problem details: every error of the REST API is
//! `application/problem+json` with a stable `code`. Internal causes are logged
//! and never sent.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward::service::ServiceError;
use serde::Serialize;

/// The body of every REST error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case, in words a person can act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A stable, machine-readable code: `VALIDATION_FAILED`, `NAME_IMMUTABLE`, `NOT_FOUND`, …
    pub code: String,
    /// For `VALIDATION_FAILED`: the offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// Extra headers (`WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
            headers: Vec::new(),
        }
    }

    /// 422 `VALIDATION_FAILED` for one field.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", detail)
        }
    }

    /// 401 asking for a Bearer credential.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", detail);
        e.headers.push((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"keyward\", error=\"invalid_token\""),
        ));
        e
    }
}

impl ApiError {
    /// 429: the credential's rate limit is spent; the headers say when to retry.
    pub fn rate_limited(rate: &keyward::verify::RateVerdict) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!(
                "The credential's rate limit ({} requests per {} s) is spent; retry after {} s.",
                rate.decision.limit,
                rate.decision.window_seconds,
                rate.decision.retry_after_seconds.max(1)
            ),
        );
        e.headers = super::rate_headers::rate_headers(rate);
        e
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let code = e.code();
        match e {
            ServiceError::Invalid(v) => Self {
                field: Some(v.field.clone()),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, v.to_string())
            },
            ServiceError::Unauthenticated => Self::unauthorized("A valid credential is required."),
            ServiceError::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                code,
                "The credential lacks the scope or reach for this call.",
            ),
            ServiceError::Exceeds(m) => Self::new(
                StatusCode::FORBIDDEN,
                code,
                format!("A credential cannot give more than it holds: {m}."),
            ),
            ServiceError::PreconditionFailed { current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                code,
                format!(
                    "The credential changed since you read it; it is at version {current} (ETag \"{current}\"). Read it again and retry."
                ),
            ),
            ServiceError::NotFound(what) => Self::new(StatusCode::NOT_FOUND, code, format!("No such {what}.")),
            ServiceError::Conflict(m) => Self::new(StatusCode::CONFLICT, code, m),
            ServiceError::Rule { message, .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            ServiceError::Throttled { retry_after } => {
                let mut err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    code,
                    format!("Try again in {retry_after} seconds."),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    err.headers.push((header::RETRY_AFTER, v));
                }
                err
            }
            ServiceError::BadCredentials => Self::unauthorized("Invalid credentials."),
            ServiceError::Internal(cause) => {
                tracing::error!(error = %cause, "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code,
                    "An internal error occurred; it has been logged.",
                )
            }
        }
    }
}

/// A JSON body axum could not read: bad JSON is 400, a wrong content type
/// 415, an oversized body 413, and a body that does not fit the schema
/// (unknown fields included) 422.
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Send the body as JSON with Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "MALFORMED_JSON",
                format!("The body is not valid JSON: {}", e.body_text()),
            ),
            JsonRejection::JsonDataError(e) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", e.body_text())
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("The body is larger than {} bytes.", crate::state::MAX_BODY_BYTES),
            ),
            other => Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", other.body_text()),
        }
    }
}

/// A query string that does not parse is a 422, like a body that does not.
impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", r.body_text())
    }
}

/// A path parameter that does not parse is a 400, as axum answers it, but as a problem.
impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", r.body_text())
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: "about:blank".to_owned(),
            title: title(self.status),
            status: self.status.as_u16(),
            detail: Some(self.detail),
            code: self.code.to_owned(),
            field: self.field,
        };
        let mut res = (self.status, Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (k, v) in self.headers {
            res.headers_mut().insert(k, v);
        }
        res
    }
}

/// The result type of every REST handler.
pub type ApiResult<T> = Result<T, ApiError>;
