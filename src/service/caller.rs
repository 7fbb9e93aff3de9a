//! Who is calling a service: a signed-in console user, an API credential, or
//! the CLI. A caller carries what the authorization module needs to decide
//! ([`Caller::holder`]) and what the audit trail records ([`Caller::actor`]);
//! the decision itself is always [`crate::authz::authorize`].

use super::{Actor, ServiceError, ServiceResult};
use crate::authz::{self, Action, Denied, Holder, KeyHolder, Target};
use crate::domain::{ActorKind, Principal};

/// An API credential acting on Keyward.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub public_id: String,
    /// The display prefix (`kw_prod_8xK9`) or client id, which the audit trail shows.
    pub label: String,
    pub ip: Option<String>,
    /// What it holds, for the authorization module.
    pub holder: KeyHolder,
    /// The credential's version when it was checked: a change made on its
    /// behalf applies only if it is still that credential.
    pub version: i64,
}

/// The caller of a service method.
#[derive(Debug, Clone)]
pub enum Caller {
    User {
        principal: Principal,
        ip: Option<String>,
    },
    Key(KeyCaller),
    /// Keyward's own CLI, run by whoever can read the data dir: it may do anything.
    System(&'static str),
}

impl Caller {
    /// A console user calling from `ip`.
    pub fn user(principal: Principal, ip: Option<String>) -> Self {
        Caller::User { principal, ip }
    }

    /// When the calling credential stops working for good, if ever (console
    /// users and the CLI never do).
    pub fn works_until(&self) -> Option<i64> {
        match self {
            Caller::Key(k) => k.holder.grant.lifetime.end(),
            Caller::User { .. } | Caller::System(_) => None,
        }
    }

    /// The caller as the authorization module sees it.
    pub fn holder(&self) -> Holder<'_> {
        match self {
            Caller::User { principal, .. } => Holder::User(principal),
            Caller::Key(k) => Holder::Key(&k.holder),
            Caller::System(_) => Holder::System,
        }
    }

    /// The audit actor for this caller.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::User { principal, ip } => Actor::user(principal, ip.clone()),
            Caller::Key(k) => Actor {
                kind: ActorKind::Credential,
                id: Some(k.holder.credential_id),
                label: k.label.clone(),
                ip: k.ip.clone(),
            },
            Caller::System(label) => Actor::system(label),
        }
    }

    /// Asks the authorization module; a refusal becomes the service error
    /// that says it (`what` names a hidden target: "credential", "account").
    pub fn authorize(&self, action: Action<'_>, target: Target<'_>, what: &'static str) -> ServiceResult<()> {
        authz::authorize(self.holder(), action, target).map_err(|d| match d {
            Denied::Hidden => ServiceError::NotFound(what),
            Denied::Forbidden => ServiceError::Forbidden,
            Denied::Exceeds(e) => ServiceError::Exceeds(e.to_string()),
        })
    }

    /// Whether the authorization module allows it (for filtering lists).
    pub fn allows(&self, action: Action<'_>, target: Target<'_>) -> bool {
        authz::authorize(self.holder(), action, target).is_ok()
    }
}
