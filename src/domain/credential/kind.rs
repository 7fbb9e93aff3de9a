//! What kind of credential it is, and how an API key's secret looks.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::domain::ValidationError;

/// The kinds of credential, as the seeds describe them.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An opaque Bearer key.
    ApiKey,
    /// An id and a secret sent with HTTP Basic; short-lived and IP-bound.
    Basic,
    /// A `client_id` and `client_secret` for the client-credentials grant.
    OauthClient,
    /// An application key, an application secret and consumer keys: requests
    /// are signed, OVH style, never sent with a bearer secret.
    Application,
}

impl CredentialKind {
    /// Every kind, in the order the console lists them.
    pub const ALL: [CredentialKind; 4] = [
        CredentialKind::ApiKey,
        CredentialKind::Basic,
        CredentialKind::OauthClient,
        CredentialKind::Application,
    ];

    /// The stable identifier used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api_key",
            CredentialKind::Basic => "basic",
            CredentialKind::OauthClient => "oauth_client",
            CredentialKind::Application => "application",
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "API key",
            CredentialKind::Basic => "Basic",
            CredentialKind::OauthClient => "OAuth client",
            CredentialKind::Application => "Application",
        }
    }

    /// Whether the credential has a public id besides its secret.
    pub fn has_client_id(self) -> bool {
        !matches!(self, CredentialKind::ApiKey)
    }
}

impl FromStr for CredentialKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api_key" => Ok(CredentialKind::ApiKey),
            "basic" => Ok(CredentialKind::Basic),
            "oauth_client" => Ok(CredentialKind::OauthClient),
            "application" => Ok(CredentialKind::Application),
            _ => Err(ValidationError::new(
                "kind",
                "must be api_key, basic, oauth_client or application",
            )),
        }
    }
}

/// How an API key's secret looks: a `kw_…` string, or a signed JWT (as
/// SecureCloud issues its access keys). Both are stored only as keyed hashes.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    #[default]
    Opaque,
    Jwt,
}

impl KeyFormat {
    /// The stable identifier used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Opaque => "opaque",
            KeyFormat::Jwt => "jwt",
        }
    }
}

/// The access-token lifetime of an OAuth client when none is set: 12 hours,
/// as CloudConnexa's `expires_in: 43199` shows.
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 43_200;
/// Shortest access-token lifetime a client may set.
pub const MIN_TOKEN_TTL_SECS: i64 = 60;
/// Longest access-token lifetime a client may set: a day.
pub const MAX_TOKEN_TTL_SECS: i64 = 86_400;
