//! The error every server function returns, as it travels to the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, in words a console user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    #[error("Your session has ended. Sign in again.")]
    Unauthenticated,
    #[error("Your role does not allow this.")]
    Forbidden,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Not found: {0}.")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Rule { code: String, message: String },
    #[error("Too many attempts. Try again in {retry_after} seconds.")]
    Throttled { retry_after: i64 },
    #[error("Invalid e-mail or password.")]
    BadCredentials,
    #[error("Something went wrong on our side. Try again; if it persists, check the server log.")]
    Internal,
    /// The request itself failed: the network, or arguments the server could not read.
    #[error("The request failed: {0}")]
    Request(String),
}

impl ConsoleError {
    /// The form field this error is about, for inline display.
    pub fn field(&self) -> Option<&str> {
        match self {
            ConsoleError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status the server answers with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            ConsoleError::Unauthenticated | ConsoleError::BadCredentials => S::UNAUTHORIZED,
            ConsoleError::Forbidden => S::FORBIDDEN,
            // A session the two-factor policy keeps to enrolment.
            ConsoleError::Rule { code, .. } if code == "SECOND_FACTOR_REQUIRED" => S::FORBIDDEN,
            ConsoleError::Invalid { .. } | ConsoleError::Rule { .. } => S::UNPROCESSABLE_ENTITY,
            ConsoleError::NotFound(_) => S::NOT_FOUND,
            ConsoleError::Conflict(_) => S::CONFLICT,
            ConsoleError::Throttled { .. } => S::TOO_MANY_REQUESTS,
            ConsoleError::Internal => S::INTERNAL_SERVER_ERROR,
            ConsoleError::Request(_) => S::BAD_REQUEST,
        }
    }
}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    /// Framework errors: on the server these are malformed requests (400, not
    /// 500); in the browser they are network failures.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = ConsoleError::Request(value.to_string());
        #[cfg(feature = "ssr")]
        crate::api::response::set_status(err.status());
        err
    }
}

#[cfg(feature = "ssr")]
impl From<keyward::service::ServiceError> for ConsoleError {
    /// Maps a service error and sets the server function's HTTP status to match.
    /// Internal causes are logged here and never sent to the browser.
    fn from(e: keyward::service::ServiceError) -> Self {
        use keyward::service::ServiceError as E;
        let err = match e {
            E::Invalid(v) => ConsoleError::Invalid {
                field: v.field,
                message: v.message,
            },
            E::Unauthenticated => ConsoleError::Unauthenticated,
            E::Forbidden => ConsoleError::Forbidden,
            E::Exceeds(message) => ConsoleError::Rule {
                code: "EXCEEDS_CALLER".to_owned(),
                message,
            },
            E::PreconditionFailed { .. } => ConsoleError::Conflict(
                "Someone changed this credential while you were editing it. Reload to see what is there now, then make your change again.".to_owned(),
            ),
            E::NotFound(what) => ConsoleError::NotFound(what.to_owned()),
            E::Conflict(m) => ConsoleError::Conflict(m),
            E::Rule { code, message } => ConsoleError::Rule {
                code: code.to_owned(),
                message,
            },
            E::Throttled { retry_after } => ConsoleError::Throttled { retry_after },
            E::BadCredentials => ConsoleError::BadCredentials,
            E::Internal(cause) => {
                tracing::error!(error = %cause, "console request failed");
                ConsoleError::Internal
            }
        };
        crate::api::response::set_status(err.status());
        err
    }
}
