//! Two-factor sign-in as the console shows it: the install-wide policy, a
//! user's state, an enrolment in progress and the recovery codes.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::ValidationError;

/// Who must sign in with a second factor. Chosen by a Global Admin on the
/// Settings page and stored in the database, so every instance applies it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorPolicy {
    /// Two-factor is offered, never required.
    #[default]
    Nobody,
    /// Global Admins must use it; others may.
    GlobalAdmins,
    /// Every user must use it.
    Everyone,
}

impl TwoFactorPolicy {
    /// Every policy, in the order the Settings page offers them.
    pub const ALL: [TwoFactorPolicy; 3] = [
        TwoFactorPolicy::Nobody,
        TwoFactorPolicy::GlobalAdmins,
        TwoFactorPolicy::Everyone,
    ];

    /// The stable identifier stored in `instance_settings`.
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactorPolicy::Nobody => "nobody",
            TwoFactorPolicy::GlobalAdmins => "global_admins",
            TwoFactorPolicy::Everyone => "everyone",
        }
    }

    /// Parses the stored or submitted identifier.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| ValidationError::new("policy", "must be nobody, global_admins or everyone"))
    }

    /// How the Settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            TwoFactorPolicy::Nobody => "Optional for everyone",
            TwoFactorPolicy::GlobalAdmins => "Required for Global Admins",
            TwoFactorPolicy::Everyone => "Required for every user",
        }
    }
}

impl fmt::Display for TwoFactorPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in user's two-factor state, for the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// A confirmed TOTP key is in place.
    pub enrolled: bool,
    /// The policy requires it of this user (so it cannot be turned off).
    pub required: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: i64,
}

/// An enrolment waiting for its first code: what the user's app needs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The key in base32, for typing into an app.
    pub secret: String,
    /// The key as a QR code, an SVG drawn on the server.
    pub qr_svg: String,
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enrolment(***)")
    }
}

/// Characters of a recovery code, without its separator.
pub const RECOVERY_CODE_LEN: usize = 10;
/// Recovery codes issued with an enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Normalises a typed recovery code (case, spaces and dashes do not matter);
/// `None` if it cannot be one.
pub fn normalize_recovery_code(s: &str) -> Option<String> {
    let code: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == RECOVERY_CODE_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_through_their_identifiers() {
        for p in TwoFactorPolicy::ALL {
            assert_eq!(TwoFactorPolicy::parse(p.as_str()), Ok(p));
        }
        assert!(TwoFactorPolicy::parse("admins").is_err());
    }

    #[test]
    fn recovery_codes_ignore_case_spaces_and_dashes() {
        assert_eq!(normalize_recovery_code(" ABCDE-fghij "), Some("abcdefghij".into()));
        assert_eq!(normalize_recovery_code("abcde"), None);
        assert_eq!(normalize_recovery_code("abcde-fghi!"), None);
    }
}
