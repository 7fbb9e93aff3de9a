//! The error answers each kind of endpoint shares, declared once for the
//! OpenAPI document. They list what the extractors and the problem mapping
//! really answer: a Bearer credential can always be refused (401, 403 or
//! 429), a JSON body can always be malformed (400, 413, 415, 422), a query
//! can fail to parse (422), and an OAuth endpoint answers RFC 6749 §5.2
//! bodies. An operation lists the ones that apply to it; what only it answers
//! (404, 409, 412) stays beside it.

use utoipa::IntoResponses;

use super::oauth_error::OAuthErrorBody;
use super::problem::Problem;

/// A management call's Bearer credential, refused.
#[derive(IntoResponses)]
pub enum Refused {
    /// No credential, or one that is unknown, expired, revoked or malformed
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The credential lacks the scope, reach or rights for this call, its account's API is off,
    /// or (`EXCEEDS_CALLER`) the change would give a credential more than the caller holds
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The credential's rate limit is spent; see `Retry-After`
    #[response(status = 429, content_type = "application/problem+json")]
    RateLimited(Problem),
}

/// A JSON body that cannot be read, or that breaks a rule.
#[derive(IntoResponses)]
pub enum BadBody {
    /// `MALFORMED_JSON`: the body is not JSON
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// `PAYLOAD_TOO_LARGE`: the body is over 64 KiB
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// `UNSUPPORTED_MEDIA_TYPE`: the body is not sent as `application/json`
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
    /// `VALIDATION_FAILED` (a field does not fit, unknown fields included; `field` names it),
    /// or a rule the schema cannot express failed (`NAME_IMMUTABLE`, `REVOKED`, …)
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// Query parameters that do not parse, are out of range, or break a rule.
#[derive(IntoResponses)]
pub enum BadQuery {
    /// `VALIDATION_FAILED`: a parameter does not parse or is out of range, or a rule failed
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// An OAuth endpoint's caller or parameters refused: RFC 6749 §5.2 errors.
#[derive(IntoResponses)]
pub enum OAuthRefused {
    /// `invalid_request` (a parameter missing, repeated or not form-encoded), `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`
    #[response(status = 400)]
    BadRequest(OAuthErrorBody),
    /// `invalid_client` (with `WWW-Authenticate: Basic` when Basic was used)
    #[response(status = 401)]
    InvalidClient(OAuthErrorBody),
}
