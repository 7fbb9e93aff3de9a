//! Who acts and from where, as the audit trail records it.

use crate::domain::{ActorKind, Principal};

/// Who is acting, for the audit trail, and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    /// A signed-in console user.
    pub fn user(p: &Principal, ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::User,
            id: Some(p.user_id),
            label: p.email.clone(),
            ip,
        }
    }

    /// Keyward itself, or its CLI; `label` says which.
    pub fn system(label: &str) -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            label: label.to_owned(),
            ip: None,
        }
    }

    /// Someone not yet authenticated.
    pub fn anonymous(ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::Anonymous,
            id: None,
            label: "anonymous".to_owned(),
            ip,
        }
    }
}

/// The caller's IP as the HTTP layer determined it (socket address, or
/// `X-Forwarded-For` when the proxy is trusted). Inserted into each request's
/// extensions once, so every handler and server function agrees on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Facts about the HTTP request that services record (never trust for authorization).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
