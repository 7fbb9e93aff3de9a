//! The roles a credential can hold, and how they travel as JSON.

use serde::{Deserialize, Serialize};

use crate::domain::ValidationError;
use crate::domain::scope::{Action, Scope};

/// A role given to a credential. It widens the scopes (Global Admin =
/// `*:admin`, the viewers = `*:read`) and which accounts the credential reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RoleWire", into = "RoleWire")]
pub enum CredentialRole {
    GlobalAdmin,
    GlobalViewer,
    /// Reads the named accounts; an empty list means every account.
    AccountViewer {
        accounts: Vec<String>,
    },
}

/// Roles travel as `"global_admin"`, `"global_viewer"`, `"account_viewer"` (all
/// accounts) or `{"role": "account_viewer", "accounts": ["acme"]}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RoleWire {
    Name(String),
    Scoped {
        role: String,
        #[serde(default)]
        accounts: Vec<String>,
    },
}

impl TryFrom<RoleWire> for CredentialRole {
    type Error = ValidationError;
    fn try_from(w: RoleWire) -> Result<Self, Self::Error> {
        let (role, accounts) = match w {
            RoleWire::Name(r) => (r, Vec::new()),
            RoleWire::Scoped { role, accounts } => (role, accounts),
        };
        match role.as_str() {
            "global_admin" if accounts.is_empty() => Ok(CredentialRole::GlobalAdmin),
            "global_viewer" if accounts.is_empty() => Ok(CredentialRole::GlobalViewer),
            "account_viewer" => Ok(CredentialRole::AccountViewer { accounts }),
            _ => Err(ValidationError::new(
                "roles",
                "must be global_admin, global_viewer or account_viewer (only account_viewer takes accounts)",
            )),
        }
    }
}

impl From<CredentialRole> for RoleWire {
    fn from(r: CredentialRole) -> Self {
        match r {
            CredentialRole::GlobalAdmin => RoleWire::Name("global_admin".into()),
            CredentialRole::GlobalViewer => RoleWire::Name("global_viewer".into()),
            CredentialRole::AccountViewer { accounts } if accounts.is_empty() => {
                RoleWire::Name("account_viewer".into())
            }
            CredentialRole::AccountViewer { accounts } => RoleWire::Scoped {
                role: "account_viewer".into(),
                accounts,
            },
        }
    }
}

/// The document's shape for a role: exactly what [`RoleWire`] reads and
/// writes (a name, or an object whose `accounts` only Account Viewer fills).
#[cfg(feature = "server")]
impl utoipa::PartialSchema for CredentialRole {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let names = |names: &[&str]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names.iter().copied()))
        };
        let scoped = |roles: &[&str], max_accounts: Option<usize>| {
            ObjectBuilder::new()
                .property("role", names(roles))
                .required("role")
                .property(
                    "accounts",
                    ArrayBuilder::new()
                        .items(ObjectBuilder::new().schema_type(Type::String))
                        .max_items(max_accounts),
                )
        };
        OneOfBuilder::new()
            .description(Some(
                "`\"global_admin\"`, `\"global_viewer\"`, `\"account_viewer\"` (all accounts) or \
                 `{\"role\": \"account_viewer\", \"accounts\": [\"acme\"]}`",
            ))
            .item(names(&["global_admin", "global_viewer", "account_viewer"]))
            .item(scoped(&["account_viewer"], None))
            .item(scoped(&["global_admin", "global_viewer"], Some(0)))
            .into()
    }
}

#[cfg(feature = "server")]
impl utoipa::ToSchema for CredentialRole {}

impl CredentialRole {
    /// The label shown in the console.
    pub fn label(&self) -> String {
        match self {
            CredentialRole::GlobalAdmin => "Global Admin".into(),
            CredentialRole::GlobalViewer => "Global Viewer".into(),
            CredentialRole::AccountViewer { accounts } if accounts.is_empty() => "Account Viewer (all)".into(),
            CredentialRole::AccountViewer { accounts } => {
                format!("Account Viewer ({})", accounts.join(", "))
            }
        }
    }

    /// The scope this role grants.
    pub fn scope(&self) -> Scope {
        match self {
            CredentialRole::GlobalAdmin => Scope::new("*", Some(Action::Admin)),
            CredentialRole::GlobalViewer | CredentialRole::AccountViewer { .. } => Scope::new("*", Some(Action::Read)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_travel_as_names_or_objects() {
        let roles: Vec<CredentialRole> = serde_json::from_str(
            r#"["global_admin", {"role": "account_viewer", "accounts": ["acme"]}, "account_viewer"]"#,
        )
        .unwrap();
        assert_eq!(roles[0], CredentialRole::GlobalAdmin);
        assert_eq!(
            roles[1],
            CredentialRole::AccountViewer {
                accounts: vec!["acme".into()]
            }
        );
        assert_eq!(roles[2], CredentialRole::AccountViewer { accounts: vec![] });
        assert_eq!(
            serde_json::to_string(&roles[1]).unwrap(),
            r#"{"role":"account_viewer","accounts":["acme"]}"#
        );
        assert!(serde_json::from_str::<CredentialRole>(r#""root""#).is_err());
        assert!(serde_json::from_str::<CredentialRole>(r#"{"role":"global_admin","accounts":["x"]}"#).is_err());
    }
}
