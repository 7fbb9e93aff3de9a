//! The audit trail as the console and the API read it.

use serde::{Deserialize, Serialize};

/// Who performed an audited action.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in console user.
    User,
    /// An API credential or access token calling the management API.
    Credential,
    /// Keyward itself: the CLI, the scheduler, first-run setup.
    System,
    /// Someone who has not authenticated, such as a failed sign-in.
    Anonymous,
}

impl ActorKind {
    /// The stable identifier stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Credential => "credential",
            ActorKind::System => "system",
            ActorKind::Anonymous => "anonymous",
        }
    }

    /// Parses the stored identifier; unknown values read as anonymous rather than failing a page.
    pub fn from_db(s: &str) -> Self {
        match s {
            "user" => ActorKind::User,
            "credential" => ActorKind::Credential,
            "system" => ActorKind::System,
            _ => ActorKind::Anonymous,
        }
    }
}

/// One recorded state change: who, what, when and from where.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing id; also the cursor.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// A console user, a credential, the system, or anonymous.
    pub actor_kind: ActorKind,
    /// The e-mail, credential prefix or "system" of the actor, as it was at the time.
    pub actor: String,
    /// A dotted verb such as `user.created` or `session.sign_in_failed`.
    pub action: String,
    /// What was acted on, such as `user:3` or `account:acme`.
    pub target: Option<String>,
    /// The account concerned, if any.
    pub account: Option<String>,
    /// The actor's IP.
    pub ip: Option<String>,
    /// Extra facts as a JSON object; never a secret.
    pub details: String,
}

/// Narrows the audit list. Every field is optional; `before` is the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub account: Option<String>,
    pub target: Option<String>,
    /// Only entries with an id below this one: the next page of a newest-first list.
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// One page of the audit trail, newest first.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to fetch the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

/// The audit actions the console offers as a filter, in the order shown.
pub const AUDIT_ACTIONS: &[&str] = &[
    "session.sign_in",
    "session.sign_in_failed",
    "session.sign_out",
    "setup.completed",
    "user.created",
    "user.updated",
    "user.disabled",
    "user.enabled",
    "account.created",
    "account.updated",
    "two_factor.enrolled",
    "two_factor.code_failed",
    "two_factor.recovery_code_used",
    "two_factor.removed",
    "two_factor.reset",
    "two_factor.policy_changed",
];
