//! Who asks: a console user, an API credential (or an access token of an
//! OAuth client), or Keyward's own CLI; and what a credential holds.

use crate::domain::scope::intersect;
use crate::domain::{CredentialRole, Principal, Scope};

use super::grant::Grant;

/// How a credential proved itself, which decides how its scopes are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// Its own secret (a Bearer key, a Basic pair): its scopes and roles count.
    Secret,
    /// An access token of an OAuth client, with the scopes it was issued
    /// with: it holds what both the token and its client (as the client is
    /// now) hold, so a narrower token stays narrow and a client narrowed
    /// since takes its tokens down with it.
    AccessToken(Vec<Scope>),
    /// An OAuth client's id and secret at the token endpoints (RFC 7662 and
    /// RFC 7009 call such a caller a client, not a bearer).
    ClientAuth,
    /// A secret in its grace period after a rotation: it still holds what
    /// its credential holds, but cannot replace its credential's secrets,
    /// or whoever leaked it could take the credential from its holder.
    PreviousSecret,
}

/// A credential acting on Keyward.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyHolder {
    /// Its internal id, so it can be told apart from the credentials it acts on.
    pub credential_id: i64,
    /// What it holds (for an access token: the token's scopes).
    pub grant: Grant,
    pub via: Via,
}

impl KeyHolder {
    /// The scopes it holds when acting on `account`.
    pub fn scopes_in(&self, account: &str) -> Vec<Scope> {
        let held = held_scopes(&self.grant.scopes, &self.grant.roles, &self.grant.account, account);
        match &self.via {
            Via::AccessToken(token) => intersect(token, &held),
            Via::Secret | Via::ClientAuth | Via::PreviousSecret => held,
        }
    }

    /// Which accounts it reaches.
    pub fn reach(&self) -> Reach {
        Reach::of(&self.grant.account, &self.grant.roles)
    }
}

/// The caller of an authorization check.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    User(&'a Principal),
    Key(&'a KeyHolder),
    /// Keyward's own CLI, run by whoever can read the data dir: it may do anything.
    System,
}

/// The scopes a credential of account `own` holds when acting on `account`:
/// its own scopes there only if it is its own account, plus what its roles
/// grant there (Account Viewer only in its listed accounts, or every account
/// with an empty list). Verification names the account through the gateway,
/// or uses the credential's own: a role never applies to "no account in
/// particular", and a key of one account holds nothing of its own in another.
pub fn held_scopes(scopes: &[Scope], roles: &[CredentialRole], own: &str, account: &str) -> Vec<Scope> {
    let mut all = if account == own { scopes.to_vec() } else { Vec::new() };
    for role in roles {
        let applies = match role {
            CredentialRole::AccountViewer { accounts } => accounts.is_empty() || accounts.iter().any(|a| a == account),
            CredentialRole::GlobalAdmin | CredentialRole::GlobalViewer => true,
        };
        if applies {
            all.push(role.scope());
        }
    }
    all.sort();
    all.dedup();
    all
}

/// Which accounts a credential reaches through the management API: its own
/// (read and write), every account (Global Admin writes, Global Viewer and
/// Account Viewer of all read), or the listed ones (Account Viewer, read).
/// Install-wide data (users, settings, the whole audit trail) is for the
/// global roles only, as in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    own: String,
    read_all: bool,
    write_all: bool,
    read_install: bool,
    read: Vec<String>,
}

impl Reach {
    /// The reach of a credential of account `own` holding `roles`.
    pub fn of(own: &str, roles: &[CredentialRole]) -> Self {
        let mut reach = Reach {
            own: own.to_owned(),
            read_all: false,
            write_all: false,
            read_install: false,
            read: Vec::new(),
        };
        for role in roles {
            match role {
                CredentialRole::GlobalAdmin => {
                    reach.read_all = true;
                    reach.write_all = true;
                    reach.read_install = true;
                }
                CredentialRole::GlobalViewer => {
                    reach.read_all = true;
                    reach.read_install = true;
                }
                CredentialRole::AccountViewer { accounts } if accounts.is_empty() => reach.read_all = true,
                CredentialRole::AccountViewer { accounts } => reach.read.extend(accounts.iter().cloned()),
            }
        }
        reach
    }

    /// Whether data of `account` may be read.
    pub fn can_read(&self, account: &str) -> bool {
        self.read_all || account == self.own || self.read.iter().any(|a| a == account)
    }

    /// Whether data of `account` may be changed.
    pub fn can_write(&self, account: &str) -> bool {
        self.write_all || account == self.own
    }

    /// Whether every account may be read.
    pub fn reads_all(&self) -> bool {
        self.read_all
    }

    /// Whether every account may be changed (the Global Admin role).
    pub fn writes_all(&self) -> bool {
        self.write_all
    }

    /// Whether install-wide data may be read (the global roles).
    pub fn reads_install(&self) -> bool {
        self.read_install
    }

    /// The accounts listed for reading besides its own.
    pub fn listed(&self) -> &[String] {
        &self.read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_viewer_scopes_count_only_in_their_accounts() {
        let av = CredentialRole::AccountViewer {
            accounts: vec!["acme".into()],
        };
        let held = held_scopes(&[], std::slice::from_ref(&av), "default", "acme");
        assert_eq!(held.iter().map(ToString::to_string).collect::<Vec<_>>(), ["*:read"]);
        assert!(held_scopes(&[], std::slice::from_ref(&av), "default", "globex").is_empty());
        let all = CredentialRole::AccountViewer { accounts: vec![] };
        assert_eq!(held_scopes(&[], &[all], "default", "globex").len(), 1);
    }

    #[test]
    fn own_scopes_count_only_in_the_own_account() {
        let billing = [Scope::parse_syntax("billing:read").unwrap()];
        assert_eq!(held_scopes(&billing, &[], "globex", "globex").len(), 1);
        assert!(held_scopes(&billing, &[], "globex", "acme").is_empty());
        assert_eq!(
            held_scopes(&billing, &[CredentialRole::GlobalViewer], "globex", "acme").len(),
            1
        );
    }

    #[test]
    fn roles_widen_reach_and_only_global_roles_read_the_install() {
        let av = CredentialRole::AccountViewer {
            accounts: vec!["acme".into()],
        };
        let reach = Reach::of("default", &[av]);
        assert!(reach.can_read("acme") && reach.can_read("default") && !reach.can_read("globex"));
        assert!(!reach.can_write("acme") && reach.can_write("default"));
        let everyone = Reach::of("default", &[CredentialRole::AccountViewer { accounts: vec![] }]);
        assert!(everyone.reads_all() && !everyone.reads_install());
        let viewer = Reach::of("default", &[CredentialRole::GlobalViewer]);
        assert!(viewer.reads_install() && !viewer.writes_all());
        let admin = Reach::of("default", &[CredentialRole::GlobalAdmin]);
        assert!(admin.can_write("globex") && admin.writes_all() && admin.reads_install());
    }
}
