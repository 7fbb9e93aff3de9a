//! Application credentials, as OVHcloud's token portal issues them: an
//! application key (AK) names the application, an application secret (AS)
//! signs its requests, and consumer keys (CK) authorize it on one account
//! with a set of rights, each valid for a period or without end.

use serde::{Deserialize, Serialize};

use super::{Cidr, Right, ValidationError};

/// How long a consumer key asked for through `/auth/credential` waits for a
/// decision before it lapses.
pub const PENDING_TTL_SECS: i64 = 15 * 60;

/// How far a signed request's timestamp may be from Keyward's clock, either
/// way. OVH's clients read the server's time from `/auth/time` first and sign
/// with the difference applied, so honest skew is a second or two; a
/// signature is remembered for this long, so a replay inside it is refused.
pub const SIGNATURE_WINDOW_SECS: i64 = 120;

/// At most this many consumer keys may wait for a decision per application:
/// asking for one needs only the public application key.
pub const MAX_PENDING_PER_APPLICATION: i64 = 50;

/// One access rule as OVH's clients send it: one method (or `*`) and a path.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRule {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `*`.
    pub method: String,
    /// A path below the API base, `*` matching anything: `/compute/*`.
    pub path: String,
}

impl AccessRule {
    /// The rule as a Keyward right.
    pub fn to_right(&self) -> Result<Right, ValidationError> {
        Right::new(vec![self.method.clone()], &self.path).map_err(|e| ValidationError::new("accessRules", e.message))
    }
}

/// `POST <base>/auth/credential`: what an application asks a user to grant.
/// Fields OVH's clients send and Keyward has no use for are accepted.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerKeyRequest {
    /// The rights asked for; at least one.
    pub access_rules: Vec<AccessRule>,
    /// Where the user's browser goes after the decision.
    #[serde(default)]
    pub redirection: Option<String>,
    /// Ranges the consumer key may be used from; `null` or empty for anywhere.
    /// OVH spells it `allowedIPs`, which camelCase would not.
    #[serde(default, rename = "allowedIPs")]
    pub allowed_ips: Option<Vec<String>>,
}

/// The answer to a consumer-key request, as OVH's clients read it.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerKeyGrant {
    /// The console page where a user approves or refuses the request.
    pub validation_url: String,
    /// The consumer key, unusable until approved. Shown only here.
    pub consumer_key: String,
    /// Always `pendingValidation`.
    pub state: String,
}

/// A consumer key's decision state, as stored.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerKeyState {
    /// Asked for; waiting for a user to approve or refuse it.
    Pending,
    Active,
    Refused,
}

impl ConsumerKeyState {
    /// The stored identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsumerKeyState::Pending => "pending",
            ConsumerKeyState::Active => "active",
            ConsumerKeyState::Refused => "refused",
        }
    }

    /// The state for its stored identifier.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Refused]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Where a consumer key stands, computed from its state and dates.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerKeyStatus {
    Pending,
    Active,
    Expired,
    Revoked,
    Refused,
}

impl ConsumerKeyStatus {
    /// The status at `now`.
    pub fn at(state: ConsumerKeyState, revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> Self {
        match (state, revoked_at, expires_at) {
            (ConsumerKeyState::Refused, _, _) => Self::Refused,
            (_, Some(_), _) => Self::Revoked,
            (_, None, Some(e)) if e <= now => Self::Expired,
            (ConsumerKeyState::Pending, _, _) => Self::Pending,
            (ConsumerKeyState::Active, _, _) => Self::Active,
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
            Self::Refused => "Refused",
        }
    }
}

/// A consumer key as the console and the API show it. Never holds the key.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerKey {
    /// Its id, `ck_…`; the consumer key itself never appears in a URL.
    pub id: String,
    /// The application's credential id, `key_…`.
    pub application: String,
    /// The account it acts on.
    pub account: String,
    /// Enough of the key to recognise it: `kwk_prod_8xK9`.
    pub prefix: String,
    /// What it may call, below the API base.
    pub rights: Vec<Right>,
    /// Ranges it may be used from; empty means anywhere.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub allowed_cidrs: Vec<Cidr>,
    pub status: ConsumerKeyStatus,
    /// Unix seconds; absent when unlimited. For a pending key: its deadline.
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// Who approved or refused it, and when.
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

/// A consumer-key request as the validation page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingConsumerKey {
    /// The application's name and key.
    pub application: String,
    pub application_key: String,
    /// The application's own account, the default choice.
    pub account: String,
    pub rights: Vec<Right>,
    pub allowed_cidrs: Vec<Cidr>,
    /// Where the browser goes after the decision.
    pub redirection: Option<String>,
    /// When the request lapses undecided.
    pub deadline: i64,
}

/// The API base below which signed requests live, `/1.0` by default: rights
/// are matched against the path after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePath(String);

impl BasePath {
    /// A path starting with `/`, without a trailing `/`, query or dot segment.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().trim_end_matches('/');
        let ok = s.starts_with('/')
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#' && b != b'%')
            && s.split('/').all(|seg| seg != "." && seg != "..");
        if !ok {
            return Err(ValidationError::new(
                "application_base_path",
                "must be a path such as /1.0 (no query, no dot segments)",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The path as configured, `/1.0`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path and query of a full URL below this base (`/compute/x?y=1`),
    /// or `None` when the URL is not absolute or not under the base.
    pub fn below<'a>(&self, full_url: &'a str) -> Option<&'a str> {
        let (_, rest) = full_url.split_once("://")?;
        let target = &rest[rest.find(['/', '?'])?..];
        let below = target.strip_prefix(self.0.as_str())?;
        match below.as_bytes().first() {
            Some(b'/') => Some(below),
            Some(b'?') | None => None,
            Some(_) => None,
        }
    }
}

/// Checks a redirection URL: absolute `http` or `https`, no spaces or control characters.
pub fn validate_redirection(url: &str) -> Result<String, ValidationError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= 2048
        && url.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(ValidationError::new(
            "redirection",
            "must be an absolute http or https URL",
        ));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_base_are_what_rights_match() {
        let base = BasePath::parse("/1.0/").unwrap();
        assert_eq!(base.as_str(), "/1.0");
        assert_eq!(
            base.below("https://api.example.com/1.0/compute/x?y=1"),
            Some("/compute/x?y=1")
        );
        assert_eq!(base.below("http://h:8080/1.0/"), Some("/"));
        assert_eq!(base.below("https://api.example.com/1.0"), None);
        assert_eq!(base.below("https://api.example.com/1.0x/compute"), None);
        assert_eq!(base.below("https://api.example.com/2.0/compute"), None);
        assert_eq!(base.below("/1.0/compute"), None, "not a full URL");
        assert!(BasePath::parse("1.0").is_err());
        assert!(BasePath::parse("/a/../b").is_err());
        assert!(BasePath::parse("/a?b").is_err());
    }

    #[test]
    fn statuses_follow_state_and_dates() {
        use ConsumerKeyState::*;
        assert_eq!(
            ConsumerKeyStatus::at(Pending, None, Some(100), 50),
            ConsumerKeyStatus::Pending
        );
        assert_eq!(
            ConsumerKeyStatus::at(Pending, None, Some(100), 100),
            ConsumerKeyStatus::Expired
        );
        assert_eq!(ConsumerKeyStatus::at(Active, None, None, 1), ConsumerKeyStatus::Active);
        assert_eq!(
            ConsumerKeyStatus::at(Active, Some(1), None, 1),
            ConsumerKeyStatus::Revoked
        );
        assert_eq!(
            ConsumerKeyStatus::at(Refused, None, None, 1),
            ConsumerKeyStatus::Refused
        );
    }

    #[test]
    fn redirections_must_be_web_urls() {
        assert!(validate_redirection("https://example.com/done?x=1").is_ok());
        assert!(validate_redirection("javascript:alert(1)").is_err());
        assert!(validate_redirection("https://exa mple.com").is_err());
        assert!(validate_redirection("//example.com").is_err());
    }
}
