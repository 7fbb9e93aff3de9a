//! Who may do what: the one place Keyward decides permission. Services ask
//! [`authorize`] before every read and change; handlers, server functions
//! and pages never decide themselves (pages ask the `offers_…` functions
//! below which buttons to show, and the server checks again).
//!
//! It is a pure function of (holder, action, target), so it is tested on
//! its own, and a property test checks the grant rule against the
//! verification decision itself (`properties.rs`).

pub mod grant;
pub mod holder;
#[cfg(test)]
mod properties;
mod rule;
pub mod second_factor;

pub use grant::{Grant, Lifetime};
pub use holder::{Holder, KeyHolder, Reach, Via, held_scopes};
pub use rule::Excess;

use crate::domain::{AccountId, Action as ScopeAction, Plan, Principal, RateLimitSetting, Role, Scope, scope};

/// A part of Keyward, named like the scope resource that guards it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Credentials, their usage and the token endpoints' management side (`keys:…`).
    Keys,
    /// Accounts, webhooks, e-mail, signing keys, users and settings (`admin:…`).
    Admin,
}

impl Area {
    fn resource(self) -> &'static str {
        match self {
            Area::Keys => "keys",
            Area::Admin => "admin",
        }
    }
}

/// Looking or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// An account as a check needs it: console grants name ids, credentials names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRef<'a> {
    pub id: AccountId,
    pub name: &'a str,
}

impl<'a> From<&'a crate::domain::Account> for AccountRef<'a> {
    fn from(a: &'a crate::domain::Account) -> Self {
        Self {
            id: a.id,
            name: &a.name,
        }
    }
}

/// What an action is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Data of one account.
    Account(AccountRef<'a>),
    /// Install-wide data: users, settings, signing keys, SMTP, the whole
    /// audit trail, and creating accounts.
    Install,
}

/// What the holder wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Read or change data of an area.
    Use(Area, Access),
    /// Issue, change or rotate a credential that can do `grant` (a change is
    /// checked before and after).
    Manage(&'a Grant),
    /// Revoke the credential with this id, which can do `grant`: as
    /// [`Action::Manage`], except that a credential may always revoke itself
    /// (with `keys:write`), which only ever takes power away.
    Revoke { credential: i64, grant: &'a Grant },
    /// Change or rotate the existing credential with this id, which can do
    /// `grant`: as [`Action::Manage`], except that a previous secret (in its
    /// grace period) never changes its own credential, so a leaked old
    /// secret cannot rotate the credential away from its holder.
    Change { credential: i64, grant: &'a Grant },
    /// Move an account from `from` to `to` (its plan, or its own limit), or
    /// create one at `to` (from the cheapest plan): anything above where it
    /// was needs a Global Admin.
    SetAccountLimit { from: AccountLimit, to: AccountLimit },
    /// Read an access token's claims (RFC 7662) for a token of the target account.
    Introspect,
    /// Revoke an access token (RFC 7009) issued to the client with this
    /// credential id, granting `grant`.
    RevokeToken { client: i64, grant: &'a Grant },
    /// Rotate the credential with this id, by the credential itself: only
    /// with its own secret (never an access token of it), and with no scope
    /// needed, since a new secret for the same grant takes nothing further.
    RotateSelf { credential: i64 },
    /// Remove another user's second factor (a lost phone), ending their sessions.
    ResetSecondFactor,
    /// Choose whom the install requires to sign in with a second factor.
    SetTwoFactorPolicy,
}

/// What an account gives its credentials: its plan, and the limit (its own,
/// else the plan's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLimit {
    pub plan: Plan,
    pub limit: RateLimitSetting,
}

impl AccountLimit {
    /// Whether this gives no more than `other`: no dearer plan, no higher limit.
    pub fn within(&self, other: &AccountLimit) -> bool {
        let rank = |p: Plan| Plan::ALL.iter().position(|x| *x == p);
        rank(self.plan) <= rank(other.plan) && self.limit.within(&other.limit)
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The target is out of the holder's sight: answer as if it did not exist.
    #[error("not found")]
    Hidden,
    /// In sight, but not allowed.
    #[error("your role or scopes do not allow this")]
    Forbidden,
    /// The credential would be able to do more than its grantor.
    #[error("the credential would exceed yours: {0}")]
    Exceeds(#[from] Excess),
}

/// The one permission decision.
pub fn authorize(holder: Holder<'_>, action: Action<'_>, target: Target<'_>) -> Result<(), Denied> {
    match action {
        Action::Use(area, access) => uses(holder, area, access, target),
        Action::Manage(grant) => {
            uses(holder, Area::Keys, Access::Write, target)?;
            match holder {
                Holder::Key(k) if !rule::is_global_admin(k) => Ok(rule::within(k, grant)?),
                _ => Ok(()),
            }
        }
        Action::Revoke { credential, grant } => match holder {
            Holder::Key(k) if k.credential_id == credential && k.via != Via::ClientAuth => {
                uses(holder, Area::Keys, Access::Write, target)
            }
            _ => authorize(holder, Action::Manage(grant), target),
        },
        Action::Change { credential, grant } => match holder {
            Holder::Key(k) if k.credential_id == credential && k.via == Via::PreviousSecret => Err(Denied::Forbidden),
            _ => authorize(holder, Action::Manage(grant), target),
        },
        Action::SetAccountLimit { from, to } => {
            uses(holder, Area::Admin, Access::Write, target)?;
            if to.within(&from) || is_global_admin(holder) {
                Ok(())
            } else {
                Err(Denied::Exceeds(Excess::AboveAccountLimit(format!(
                    "{}, {}",
                    to.plan, to.limit
                ))))
            }
        }
        Action::Introspect => match holder {
            Holder::Key(k) if k.via == Via::ClientAuth => match target {
                Target::Account(a) if k.reach().can_read(a.name) => Ok(()),
                _ => Err(Denied::Hidden),
            },
            _ => uses(holder, Area::Keys, Access::Read, target),
        },
        Action::RevokeToken { client, grant } => match holder {
            Holder::Key(k) if k.credential_id == client => Ok(()),
            Holder::Key(k) if k.via == Via::ClientAuth => Err(Denied::Hidden),
            _ => authorize(holder, Action::Manage(grant), target),
        },
        Action::RotateSelf { credential } => match holder {
            Holder::Key(k) if k.credential_id == credential && matches!(k.via, Via::Secret | Via::ClientAuth) => Ok(()),
            _ => Err(Denied::Forbidden),
        },
        // Sign-in security is the install's: a Global Admin's alone.
        Action::ResetSecondFactor | Action::SetTwoFactorPolicy => match holder {
            Holder::User(p) if p.role == Role::GlobalAdmin => Ok(()),
            Holder::System => Ok(()),
            _ => Err(Denied::Forbidden),
        },
    }
}

/// Whether `holder` may act as a Global Admin: the console role, the CLI, or
/// a key with the role that (for a token) still holds `*:admin`.
fn is_global_admin(holder: Holder<'_>) -> bool {
    match holder {
        Holder::User(p) => p.role == Role::GlobalAdmin,
        Holder::Key(k) => rule::is_global_admin(k),
        Holder::System => true,
    }
}

fn uses(holder: Holder<'_>, area: Area, access: Access, target: Target<'_>) -> Result<(), Denied> {
    match (holder, target) {
        (Holder::System, _) => Ok(()),
        (Holder::User(p), Target::Account(a)) => {
            let sees = match p.role {
                Role::GlobalAdmin | Role::GlobalViewer => true,
                Role::AccountViewer => p.access.allows(a.id),
            };
            match access {
                _ if !sees => Err(Denied::Hidden),
                Access::Write if p.role != Role::GlobalAdmin => Err(Denied::Forbidden),
                _ => Ok(()),
            }
        }
        (Holder::User(p), Target::Install) => {
            let allowed = match access {
                Access::Read => matches!(p.role, Role::GlobalAdmin | Role::GlobalViewer),
                Access::Write => p.role == Role::GlobalAdmin,
            };
            allowed.then_some(()).ok_or(Denied::Forbidden)
        }
        (Holder::Key(k), Target::Account(a)) => {
            let reach = k.reach();
            let held = k.scopes_in(a.name);
            let holds =
                |area: Area, access: ScopeAction| scope::satisfies(&held, &[Scope::new(area.resource(), Some(access))]);
            let sees = reach.can_read(a.name)
                && (holds(Area::Keys, ScopeAction::Read) || holds(Area::Admin, ScopeAction::Read));
            let allowed = match access {
                Access::Read => reach.can_read(a.name) && holds(area, ScopeAction::Read),
                Access::Write => reach.can_write(a.name) && holds(area, ScopeAction::Write),
            };
            match (allowed, sees) {
                (true, _) => Ok(()),
                (false, true) => Err(Denied::Forbidden),
                (false, false) => Err(Denied::Hidden),
            }
        }
        (Holder::Key(k), Target::Install) => {
            let reach = k.reach();
            let (within, action) = match access {
                Access::Read => (reach.reads_install(), ScopeAction::Read),
                Access::Write => (reach.writes_all(), ScopeAction::Write),
            };
            let held = k.scopes_in(&k.grant.account);
            (within && scope::satisfies(&held, &[Scope::new(area.resource(), Some(action))]))
                .then_some(())
                .ok_or(Denied::Forbidden)
        }
    }
}

/// Whether the console offers `p` the buttons that change things (the server
/// checks each change again).
pub fn offers_changes(p: &Principal) -> bool {
    uses(Holder::User(p), Area::Keys, Access::Write, Target::Install).is_ok()
}

/// Whether the console shows `p` install-wide pages and figures (users,
/// settings, every account's traffic).
pub fn shows_install(p: &Principal) -> bool {
    uses(Holder::User(p), Area::Admin, Access::Read, Target::Install).is_ok()
}

#[cfg(test)]
mod tests;
