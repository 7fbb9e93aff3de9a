//! Who is calling a service: a signed-in console user or an API credential.
//! Both go through the same rules; only how permission is worked out differs.

use super::Actor;
use crate::domain::credential::{Reach, effective_scopes};
use crate::domain::{Account, Action, ActorKind, CredentialRole, Principal, Scope, scope};

/// An API credential acting on the management API.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub credential_id: i64,
    pub public_id: String,
    /// The display prefix (`kw_prod_8xK9`), which the audit trail shows.
    pub label: String,
    /// The credential's own account.
    pub account: String,
    pub scopes: Vec<Scope>,
    pub roles: Vec<CredentialRole>,
    pub ip: Option<String>,
    /// An OAuth access token: its scopes are final (its client's roles were
    /// already expanded at issuance, and a narrower request must stay narrow);
    /// the roles still say which accounts it reaches.
    pub via_token: bool,
}

impl KeyCaller {
    fn held(&self, account: Option<&str>) -> Vec<Scope> {
        if self.via_token {
            self.scopes.clone()
        } else {
            effective_scopes(&self.scopes, &self.roles, account)
        }
    }
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

/// What a call does to a resource, for permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    Write,
}

impl Caller {
    /// A console user calling from `ip`.
    pub fn user(principal: Principal, ip: Option<String>) -> Self {
        Caller::User { principal, ip }
    }

    /// The audit actor for this caller.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::User { principal, ip } => Actor::user(principal, ip.clone()),
            Caller::Key(k) => Actor {
                kind: ActorKind::Credential,
                id: Some(k.credential_id),
                label: k.label.clone(),
                ip: k.ip.clone(),
            },
            Caller::System(label) => Actor::system(label),
        }
    }

    /// Whether the caller may read (or change) `resource` in `account`. A user
    /// needs the role; a key needs the scope (its own or from its roles) and
    /// the account within its reach.
    pub fn may(&self, resource: &str, need: Need, account: &Account) -> bool {
        match self {
            Caller::User { principal, .. } => match need {
                Need::Read => principal.can_read_account(account.id),
                Need::Write => principal.can_write(),
            },
            Caller::Key(k) => {
                let action = match need {
                    Need::Read => Action::Read,
                    Need::Write => Action::Write,
                };
                let held = k.held(Some(&account.name));
                let reach = Reach::of(&k.account, &k.roles);
                let within = match need {
                    Need::Read => reach.can_read(&account.name),
                    Need::Write => reach.can_write(&account.name),
                };
                within && scope::satisfies(&held, &[Scope::new(resource, Some(action))])
            }
            Caller::System(_) => true,
        }
    }

    /// Whether the caller may make install-wide changes to `resource`
    /// (creating accounts): a Global Admin user, or a key with the Global
    /// Admin role and the scope.
    pub fn may_globally(&self, resource: &str) -> bool {
        match self {
            Caller::User { principal, .. } => principal.can_write(),
            Caller::Key(k) => {
                let held = k.held(None);
                Reach::of(&k.account, &k.roles).is_global_writer()
                    && scope::satisfies(&held, &[Scope::new(resource, Some(Action::Write))])
            }
            Caller::System(_) => true,
        }
    }

    /// Whether the caller may read install-wide entries (those tied to no account).
    pub fn reads_globally(&self) -> bool {
        match self {
            Caller::User { principal, .. } => principal.can_read_global(),
            Caller::Key(k) => {
                let held = k.held(None);
                let reach = Reach::of(&k.account, &k.roles);
                reach.reads_all() && scope::satisfies(&held, &[Scope::new("admin", Some(Action::Read))])
            }
            Caller::System(_) => true,
        }
    }
}
