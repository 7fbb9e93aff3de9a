//! Webhook endpoints, deliveries and the SMTP settings: the shapes the API
//! and the console exchange.

use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::event::EventType;

/// Where a webhook is sent: an absolute `http` or `https` URL without
/// credentials in it. Which addresses it may reach depends on the server's
/// configuration, so the server checks that separately
/// (`notify::destination`), at creation and again at each delivery.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let invalid = |m: &str| Err(ValidationError::new("url", m));
        let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
            return invalid("must start with https:// or http://");
        };
        if s.len() > 2_000 {
            return invalid("must be at most 2000 characters");
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() {
            return invalid("must name a host");
        }
        if authority.contains('@') {
            return invalid("must not carry a user name or password; the signature authenticates Keyward");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain spaces");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The scheme and host of a URL, with `/…` for whatever followed: what
/// read-only users and the audit trail see, since hook URLs often carry a
/// token in their path or query (Slack, Teams, `?token=`).
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let tail = if rest[end..].trim_start_matches('/').is_empty() {
        ""
    } else {
        "/…"
    };
    format!("{scheme}://{}{tail}", &rest[..end])
}

impl TryFrom<String> for WebhookUrl {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> Self {
        u.0
    }
}

/// A new endpoint, as the API and the console send it.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInput {
    /// The account whose events it receives.
    pub account: String,
    pub url: String,
    /// The event types it receives; at least one.
    pub events: Vec<String>,
}

/// A validated [`WebhookInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub account: String,
    pub url: WebhookUrl,
    pub events: Vec<EventType>,
}

impl NewWebhook {
    pub fn validate(input: WebhookInput) -> Result<Self, ValidationError> {
        let url = WebhookUrl::parse(&input.url)?;
        let mut events = Vec::new();
        for e in &input.events {
            let t: EventType = e
                .parse()
                .map_err(|_| ValidationError::new("events", format!("unknown event type {e:?}")))?;
            if !EventType::SUBSCRIBABLE.contains(&t) {
                return Err(ValidationError::new("events", format!("{t} cannot be subscribed to")));
            }
            if !events.contains(&t) {
                events.push(t);
            }
        }
        if events.is_empty() {
            return Err(ValidationError::new("events", "choose at least one event type"));
        }
        Ok(Self {
            account: input.account,
            url,
            events,
        })
    }
}

/// An endpoint; its secret is never shown again after creation.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// `wh_` and 16 base62 characters.
    pub id: String,
    pub account: String,
    pub url: String,
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub events: Vec<EventType>,
    pub created_at: i64,
    /// Set when a delivery kept failing for 24 hours; cleared by the next success.
    pub failing_since: Option<i64>,
}

/// The answer to a create: the endpoint and its signing secret, shown once.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: the HMAC key of `Keyward-Signature`.
    pub secret: String,
}

/// Where a delivery stands.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or its next retry.
    Pending,
    Delivered,
    /// Retried for 24 hours without success.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One event sent, or to be sent, to one webhook or e-mail address.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    /// The event's id (`evt_…`), also the receiver's idempotency key.
    pub event_id: String,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub event_type: EventType,
    /// The webhook's URL or the e-mail address.
    pub destination: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The HTTP status of the last attempt, for a webhook that answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed (a timeout, a refused connection…).
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// How the SMTP connection is secured.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

impl SmtpSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [SmtpSecurity::Starttls, SmtpSecurity::Tls, SmtpSecurity::None]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The SMTP settings as the console shows them: the password never leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password_set: bool,
    /// The sender, e.g. `Keyward <keyward@example.com>`.
    pub from: String,
}

/// New SMTP settings; a `password` of `None` keeps the stored one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SmtpInput {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

impl std::fmt::Debug for SmtpInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpInput")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpInput {
    /// Checks what can be checked without connecting.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) || host.len() > 253 {
            return Err(ValidationError::new("host", "must be a host name or an IP address"));
        }
        if self.port == 0 {
            return Err(ValidationError::new("port", "must be between 1 and 65535"));
        }
        let from = self.from.trim();
        let address = from.rsplit_once('<').map_or(from, |(_, a)| a.trim_end_matches('>'));
        if super::Email::parse(address).is_err() {
            return Err(ValidationError::new(
                "from",
                "must be an e-mail address, optionally as Name <address>",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_or_https_with_a_host_and_no_credentials() {
        assert!(WebhookUrl::parse("https://hooks.example.com/keyward").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/in").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://user:pw@example.com/",
            "hooks.example.com",
            "https://a b",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redaction_keeps_the_scheme_and_host_only() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact_url("http://127.0.0.1:9000?token=x"), "http://127.0.0.1:9000/…");
        assert_eq!(redact_url("https://example.com/"), "https://example.com");
        let input = SmtpInput {
            password: Some("hunter2".into()),
            ..Default::default()
        };
        assert!(!format!("{input:?}").contains("hunter2"));
    }

    #[test]
    fn events_are_known_deduplicated_and_not_empty() {
        let input = |events: &[&str]| WebhookInput {
            account: "acme".into(),
            url: "https://example.com/h".into(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
        };
        let ok = NewWebhook::validate(input(&["key.expiring", "key.expiring", "key.expired"])).unwrap();
        assert_eq!(ok.events, [EventType::KeyExpiring, EventType::KeyExpired]);
        assert_eq!(NewWebhook::validate(input(&[])).unwrap_err().field, "events");
        assert_eq!(NewWebhook::validate(input(&["key.nope"])).unwrap_err().field, "events");
        assert_eq!(
            NewWebhook::validate(input(&["webhook.test"])).unwrap_err().field,
            "events"
        );
    }
}
