//! Console roles. What each may see and change is decided in `crate::authz`.
//!
//! The three roles nest (Global Admin ⊇ Global Viewer ⊇ Account Viewer), so a
//! user holds exactly one of them: a second role could never add anything.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::{AccountId, ValidationError};

/// A console user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GlobalAdmin,
    GlobalViewer,
    AccountViewer,
}

impl Role {
    /// Every role, in the order the console lists them.
    pub const ALL: [Role; 3] = [Role::GlobalAdmin, Role::GlobalViewer, Role::AccountViewer];

    /// The stable identifier used in the database, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "global_admin",
            Role::GlobalViewer => "global_viewer",
            Role::AccountViewer => "account_viewer",
        }
    }

    /// The human label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "Global Admin",
            Role::GlobalViewer => "Global Viewer",
            Role::AccountViewer => "Account Viewer",
        }
    }

    /// One sentence on what the role allows, shown next to the picker.
    pub fn summary(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "Everything: credentials, accounts, users and settings.",
            Role::GlobalViewer => "Reads everything, changes nothing.",
            Role::AccountViewer => "Reads only the accounts it is given.",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    /// Accepts `global_admin` and the CLI's `global-admin` spelling alike.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().replace('-', "_").as_str() {
            "global_admin" => Ok(Role::GlobalAdmin),
            "global_viewer" => Ok(Role::GlobalViewer),
            "account_viewer" => Ok(Role::AccountViewer),
            _ => Err(ValidationError::new(
                "role",
                "must be global_admin, global_viewer or account_viewer",
            )),
        }
    }
}

/// Which accounts an Account Viewer may read. Other roles always see all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "accounts", rename_all = "snake_case")]
pub enum AccountAccess {
    All,
    Only(Vec<AccountId>),
}

impl AccountAccess {
    /// Whether the account with `id` is visible.
    pub fn allows(&self, id: AccountId) -> bool {
        match self {
            AccountAccess::All => true,
            AccountAccess::Only(ids) => ids.contains(&id),
        }
    }
}

/// The signed-in user as the services and pages see them: who, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: super::UserId,
    pub email: String,
    pub role: Role,
    pub access: AccountAccess,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_both_spellings() {
        assert_eq!("global-admin".parse::<Role>().unwrap(), Role::GlobalAdmin);
        assert_eq!("account_viewer".parse::<Role>().unwrap(), Role::AccountViewer);
        assert!("root".parse::<Role>().is_err());
    }
}
