//! Domain types shared by the server, the console and the WASM build.

pub mod account;
pub mod audit;
pub mod role;
pub mod time;
pub mod user;
pub mod validation;

pub use account::{Account, AccountId, AccountName, Plan};
pub use audit::{ActorKind, AuditEntry, AuditFilter, AuditPage};
pub use role::{AccountAccess, Principal, Role};
pub use user::{Email, Password, User, UserId};
pub use validation::ValidationError;
