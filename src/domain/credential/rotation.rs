//! A credential's rotation policy: how often its secret is replaced, how long
//! the previous one keeps working, and how the new one reaches its holder.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::domain::ValidationError;
use crate::domain::holder_key::HolderKey;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// The shortest interval: anything faster is a rotation storm, not a policy.
pub const MIN_ROTATION_SECS: i64 = HOUR;
/// The longest interval: two years.
pub const MAX_ROTATION_SECS: i64 = 730 * DAY;
/// The longest grace period a policy may give (as for a manual rotation).
pub const MAX_POLICY_GRACE_SECS: i64 = 30 * DAY;
/// The longest wait before an unrotated key is expired.
pub const MAX_ENFORCE_AFTER_DAYS: u32 = 365;

/// How often a secret is replaced: `"12h"` or `"90d"`, from 1 hour to 730 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RotationEvery(i64);

impl RotationEvery {
    /// Parses `<n>h` or `<n>d`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let err = || ValidationError::new("rotation.every", "must be hours or days, like \"12h\" or \"90d\"");
        let s = s.trim();
        let (digits, unit) = match s.char_indices().last() {
            Some((i, 'h')) => (&s[..i], HOUR),
            Some((i, 'd')) => (&s[..i], DAY),
            _ => return Err(err()),
        };
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let secs = digits.parse::<i64>().map_err(|_| err())? * unit;
        if secs < MIN_ROTATION_SECS {
            return Err(ValidationError::new("rotation.every", "must be at least 1 hour"));
        }
        if secs > MAX_ROTATION_SECS {
            return Err(ValidationError::new("rotation.every", "must be at most 730 days"));
        }
        Ok(Self(secs))
    }

    /// The interval in seconds.
    pub fn secs(self) -> i64 {
        self.0
    }
}

impl TryFrom<String> for RotationEvery {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RotationEvery> for String {
    fn from(e: RotationEvery) -> Self {
        e.to_string()
    }
}

impl fmt::Display for RotationEvery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % DAY == 0 {
            write!(f, "{}d", self.0 / DAY)
        } else {
            write!(f, "{}h", self.0 / HOUR)
        }
    }
}

/// How a new secret reaches its holder.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationDelivery {
    /// Keyward announces `key.rotation_due` and the holder rotates itself.
    Notify,
    /// Keyward rotates and sends the new secret, encrypted to the holder's
    /// public key, in the `key.rotated` webhook.
    Encrypted,
}

impl RotationDelivery {
    pub fn as_str(self) -> &'static str {
        match self {
            RotationDelivery::Notify => "notify",
            RotationDelivery::Encrypted => "encrypted",
        }
    }
}

fn default_grace() -> i64 {
    DAY
}

/// A credential's rotation policy.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationPolicy {
    /// How often: `"12h"`, `"90d"`; at least 1 hour.
    #[cfg_attr(feature = "server", schema(value_type = String, example = "90d"))]
    pub every: RotationEvery,
    /// How long the previous secret keeps working after each rotation (default 86400).
    #[serde(default = "default_grace")]
    pub grace_seconds: i64,
    /// `notify` (the holder rotates itself when told) or `encrypted` (Keyward
    /// rotates and delivers the secret as a JWE to `holder_key`).
    pub delivery: RotationDelivery,
    /// With `notify`: expire the credential if nobody rotated it this many days after it was due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_after_days: Option<u32>,
    /// With `encrypted`: the holder's public key, a JWK (EC P-256 or X25519).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub holder_key: Option<HolderKey>,
}

impl RotationPolicy {
    /// The rules between the fields, each reported on its own field.
    pub fn check(&self) -> Result<(), ValidationError> {
        if !(0..=MAX_POLICY_GRACE_SECS).contains(&self.grace_seconds) {
            return Err(ValidationError::new(
                "rotation.grace_seconds",
                "must be between 0 and 2592000 (30 days)",
            ));
        }
        // A grace as long as the interval would still be running at the next
        // rotation, which ends it early: the policy would not mean what it says.
        if self.grace_seconds >= self.every.secs() {
            return Err(ValidationError::new(
                "rotation.grace_seconds",
                "must be shorter than the rotation interval",
            ));
        }
        match self.delivery {
            RotationDelivery::Notify => {
                if self.holder_key.is_some() {
                    return Err(ValidationError::new(
                        "rotation.holder_key",
                        "only an encrypted delivery takes a holder key",
                    ));
                }
                if let Some(days) = self.enforce_after_days
                    && !(1..=MAX_ENFORCE_AFTER_DAYS).contains(&days)
                {
                    return Err(ValidationError::new(
                        "rotation.enforce_after_days",
                        "must be between 1 and 365",
                    ));
                }
            }
            RotationDelivery::Encrypted => {
                if self.enforce_after_days.is_some() {
                    return Err(ValidationError::new(
                        "rotation.enforce_after_days",
                        "only applies to a notify delivery (an encrypted one rotates by itself)",
                    ));
                }
                if self.holder_key.is_none() {
                    return Err(ValidationError::new(
                        "rotation.holder_key",
                        "an encrypted delivery needs the holder's public key (a JWK, EC P-256 or X25519)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// When the secret issued at `issued_at` is due for rotation.
    pub fn due_after(&self, issued_at: i64) -> i64 {
        issued_at + self.every.secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: serde_json::Value) -> Result<RotationPolicy, String> {
        serde_json::from_value::<RotationPolicy>(json)
            .map_err(|e| e.to_string())
            .and_then(|p| p.check().map(|()| p).map_err(|e| e.to_string()))
    }

    #[test]
    fn intervals_are_hours_or_days_from_an_hour_up() {
        assert_eq!(RotationEvery::parse("12h").unwrap().secs(), 12 * HOUR);
        assert_eq!(RotationEvery::parse("90d").unwrap().secs(), 90 * DAY);
        assert_eq!(RotationEvery::parse("48h").unwrap().to_string(), "2d");
        for bad in [
            "", "h", "30m", "0h", "59m", "-1d", "1.5d", "731d", "9999999d", "d1", " 1 d",
        ] {
            assert!(RotationEvery::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_notify_policy_defaults_to_a_day_of_grace() {
        let p = policy(serde_json::json!({ "every": "90d", "delivery": "notify" })).unwrap();
        assert_eq!(p.grace_seconds, DAY);
        assert_eq!(p.due_after(1_000), 1_000 + 90 * DAY);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({ "every": "90d", "grace_seconds": 86400, "delivery": "notify" })
        );
    }

    #[test]
    fn fields_that_do_not_fit_the_delivery_are_refused() {
        let e = policy(serde_json::json!({ "every": "2h", "delivery": "notify", "grace_seconds": 7200 }));
        assert!(e.unwrap_err().contains("shorter than the rotation interval"));
        let e = policy(serde_json::json!({ "every": "2d", "delivery": "encrypted" }));
        assert!(e.unwrap_err().contains("holder's public key"));
        let e = policy(serde_json::json!({ "every": "2d", "delivery": "notify", "enforce_after_days": 0 }));
        assert!(e.unwrap_err().contains("between 1 and 365"));
        let e = policy(serde_json::json!({ "every": "30m", "delivery": "notify" }));
        assert!(e.unwrap_err().contains("hours or days"));
        let e = policy(serde_json::json!({ "every": "1d", "delivery": "weekly" }));
        assert!(e.is_err());
        let e = policy(serde_json::json!({ "every": "1d", "delivery": "notify", "grace": 5 }));
        assert!(e.is_err(), "unknown fields are refused");
    }
}
