//! Domain types shared by the server, the console and the WASM build.

pub mod account;
pub mod application;
pub mod audit;
pub mod cidr;
pub mod credential;
pub mod event;
pub mod expiry;
pub mod holder_key;
pub mod instance;
pub mod key;
pub mod plan;
pub mod rate_limit;
pub mod right;
pub mod role;
pub mod scope;
pub mod signing_key;
pub mod time;
pub mod two_factor;
pub mod usage;
pub mod user;
pub mod validation;
pub mod webhook;

pub use account::{Account, AccountId, AccountName};
pub use audit::{ActorKind, AuditEntry, AuditFilter, AuditPage};
pub use cidr::Cidr;
pub use credential::{
    Credential, CredentialInput, CredentialKind, CredentialRole, CredentialStatus, KeyFormat, KeyName, NewCredential,
};
pub use expiry::Expiry;
pub use holder_key::HolderKey;
pub use key::Environment;
pub use plan::Plan;
pub use rate_limit::{RateLimit, RateLimitSetting};
pub use right::Right;
pub use role::{AccountAccess, Principal, Role};
pub use scope::{Action, Catalog, Scope};
pub use signing_key::SigningKeyInfo;
pub use user::{Email, Password, User, UserId};
pub use validation::ValidationError;
