//! Lifecycle events: what webhooks subscribe to and e-mails announce.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of an event. The wire form is the dotted name (`key.expiring`).
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "key.created")]
    KeyCreated,
    #[serde(rename = "key.rotated")]
    KeyRotated,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    /// Sent 7 days and 1 day before the expiry.
    #[serde(rename = "key.expiring")]
    KeyExpiring,
    #[serde(rename = "key.expired")]
    KeyExpired,
    /// Auto-renew extended the expiry; the secret did not change.
    #[serde(rename = "key.renewed")]
    KeyRenewed,
    /// A rotation policy's interval passed: the holder should rotate (or,
    /// for an encrypted delivery, no endpoint could receive the secret).
    #[serde(rename = "key.rotation_due")]
    KeyRotationDue,
    /// A grace period ended while the previous secret was still in use.
    #[serde(rename = "key.rotation_stalled")]
    KeyRotationStalled,
    /// At most one per credential per hour.
    #[serde(rename = "ratelimit.exceeded")]
    RateLimitExceeded,
    #[serde(rename = "signing_key.rotated")]
    SigningKeyRotated,
    /// Sent by "Send test event"; only to the endpoint it was sent to.
    #[serde(rename = "webhook.test")]
    WebhookTest,
    /// An endpoint's deliveries failed for 24 hours; e-mailed to the Global Admins.
    #[serde(rename = "webhook.failing")]
    WebhookFailing,
}

impl EventType {
    /// The types an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [EventType; 10] = [
        EventType::KeyCreated,
        EventType::KeyRotated,
        EventType::KeyRevoked,
        EventType::KeyExpiring,
        EventType::KeyExpired,
        EventType::KeyRenewed,
        EventType::KeyRotationDue,
        EventType::KeyRotationStalled,
        EventType::RateLimitExceeded,
        EventType::SigningKeyRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::KeyCreated => "key.created",
            EventType::KeyRotated => "key.rotated",
            EventType::KeyRevoked => "key.revoked",
            EventType::KeyExpiring => "key.expiring",
            EventType::KeyExpired => "key.expired",
            EventType::KeyRenewed => "key.renewed",
            EventType::KeyRotationDue => "key.rotation_due",
            EventType::KeyRotationStalled => "key.rotation_stalled",
            EventType::RateLimitExceeded => "ratelimit.exceeded",
            EventType::SigningKeyRotated => "signing_key.rotated",
            EventType::WebhookTest => "webhook.test",
            EventType::WebhookFailing => "webhook.failing",
        }
    }

    /// Whether the account's notification addresses and the key's owner get
    /// an e-mail too: only for what someone must act on.
    pub fn is_mailed(self) -> bool {
        matches!(
            self,
            EventType::KeyExpiring
                | EventType::KeyExpired
                | EventType::KeyRotationDue
                | EventType::KeyRotationStalled
                | EventType::WebhookFailing
        )
    }

    /// A short description for the console's checkboxes.
    pub fn describe(self) -> &'static str {
        match self {
            EventType::KeyCreated => "A credential was created",
            EventType::KeyRotated => "A credential got a new secret",
            EventType::KeyRevoked => "A credential was revoked",
            EventType::KeyExpiring => "7 days and 1 day before an expiry",
            EventType::KeyExpired => "A credential expired",
            EventType::KeyRenewed => "Auto-renew extended an expiry",
            EventType::KeyRotationDue => "A rotation policy says a secret is due",
            EventType::KeyRotationStalled => "A previous secret was still in use when its grace ended",
            EventType::RateLimitExceeded => "A credential hit its rate limit (hourly at most)",
            EventType::SigningKeyRotated => "The token signing key was rotated",
            EventType::WebhookTest => "A test event",
            EventType::WebhookFailing => "An endpoint failed for 24 hours",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not an event type Keyward sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::WebhookTest, EventType::WebhookFailing])
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_round_trips() {
        for t in EventType::SUBSCRIBABLE {
            assert_eq!(t.as_str().parse::<EventType>().unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!("key.exploded".parse::<EventType>().is_err());
    }
}
