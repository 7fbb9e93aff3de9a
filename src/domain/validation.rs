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

/// For `#[serde(deserialize_with)]` on an `Option<Option<T>>` field: tells a
/// field sent as `null` (`Some(None)`: clear it) from one left out (`None`:
/// keep it), which plain `Option<Option<T>>` cannot.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
