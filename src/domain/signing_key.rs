//! A JWT signing key's public facts, for the console's settings page and the CLI.

use serde::{Deserialize, Serialize};

/// A signing key as the console and the CLI list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SigningKeyInfo {
    pub kid: String,
    pub algorithm: String,
    pub created_at: i64,
    /// When a newer key took over signing.
    pub retired_at: Option<i64>,
    /// When it leaves the JWKS (absent: it stays while tokens it signed may be in use).
    pub publish_until: Option<i64>,
}
