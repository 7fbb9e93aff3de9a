//! The one error every validated newtype returns, so forms and the REST API
//! can both point at the offending field.

use serde::{Deserialize, Serialize};

/// A value was rejected at the edge; `field` names the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    /// Builds the error for `field`; kept short because every newtype calls it.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
