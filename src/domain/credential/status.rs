//! Where a credential stands, computed from its dates.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::domain::ValidationError;

/// A credential's state, computed from its dates (never stored).
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Active,
    /// Expires within [`EXPIRING_WITHIN_SECS`].
    Expiring,
    Expired,
    Revoked,
}

/// "Expiring" means within seven days: the first notice the seeds promise.
pub const EXPIRING_WITHIN_SECS: i64 = 7 * 86_400;

impl CredentialStatus {
    /// The status at `now`.
    pub fn at(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> Self {
        match (revoked_at, expires_at) {
            (Some(_), _) => CredentialStatus::Revoked,
            (None, Some(e)) if e <= now => CredentialStatus::Expired,
            (None, Some(e)) if e - now <= EXPIRING_WITHIN_SECS => CredentialStatus::Expiring,
            _ => CredentialStatus::Active,
        }
    }

    /// The stable identifier used in filters.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Expiring => "expiring",
            CredentialStatus::Expired => "expired",
            CredentialStatus::Revoked => "revoked",
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            CredentialStatus::Active => "Active",
            CredentialStatus::Expiring => "Expiring",
            CredentialStatus::Expired => "Expired",
            CredentialStatus::Revoked => "Revoked",
        }
    }
}

impl FromStr for CredentialStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(CredentialStatus::Active),
            "expiring" => Ok(CredentialStatus::Expiring),
            "expired" => Ok(CredentialStatus::Expired),
            "revoked" => Ok(CredentialStatus::Revoked),
            _ => Err(ValidationError::new(
                "status",
                "must be active, expiring, expired or revoked",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_dates() {
        let now = 1_000_000;
        assert_eq!(CredentialStatus::at(None, None, now), CredentialStatus::Active);
        assert_eq!(
            CredentialStatus::at(None, Some(now + 8 * 86_400), now),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::at(None, Some(now + 86_400), now),
            CredentialStatus::Expiring
        );
        assert_eq!(CredentialStatus::at(None, Some(now), now), CredentialStatus::Expired);
        assert_eq!(
            CredentialStatus::at(Some(now - 1), Some(now + 86_400), now),
            CredentialStatus::Revoked
        );
    }
}
