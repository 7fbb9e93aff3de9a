//! Why a service call was refused or failed: one error type for every
//! service, each variant with a stable code.

use crate::crypto::password;
use crate::domain::ValidationError;
use crate::store::StoreError;

/// Why a service call was refused or failed. Each variant has a stable [`code`](Self::code).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    /// The credential being issued or changed would be able to do more than
    /// the caller (the grant rule); the message says what.
    #[error("{0}")]
    Exceeds(String),
    /// `If-Match` named a version that is no longer current.
    #[error("the credential changed since you read it (it is at version {current}); read it again and retry")]
    PreconditionFailed { current: i64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A business rule refused the change (the last admin, a used setup link…).
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// Too many failed attempts, or too many password checks at once.
    #[error("too many attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: i64 },
    #[error("invalid e-mail or password")]
    BadCredentials,
    /// A fault the caller cannot fix; logged, never shown in detail.
    #[error("internal error")]
    Internal(#[from] StoreError),
}

impl ServiceError {
    /// The machine-readable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid(_) => "VALIDATION_FAILED",
            ServiceError::Unauthenticated => "UNAUTHENTICATED",
            ServiceError::Forbidden => "FORBIDDEN",
            ServiceError::Exceeds(_) => "EXCEEDS_CALLER",
            ServiceError::PreconditionFailed { .. } => "PRECONDITION_FAILED",
            ServiceError::NotFound(_) => "NOT_FOUND",
            ServiceError::Conflict(_) => "CONFLICT",
            ServiceError::Rule { code, .. } => code,
            ServiceError::Throttled { .. } => "TOO_MANY_ATTEMPTS",
            ServiceError::BadCredentials => "BAD_CREDENTIALS",
            ServiceError::Internal(_) => "INTERNAL",
        }
    }

    pub(crate) fn rule(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Rule {
            code,
            message: message.into(),
        }
    }
}

/// A full password queue is a refusal to retry shortly, as a throttle's is.
impl From<password::Busy> for ServiceError {
    fn from(_: password::Busy) -> Self {
        ServiceError::Throttled {
            retry_after: password::BUSY_RETRY_SECS,
        }
    }
}

/// The result type of every service method.
pub type ServiceResult<T> = Result<T, ServiceError>;
