//! Console users: list, create, change role, disable.

use keyward::domain::{AccountId, Role, User, UserId};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;
#[cfg(feature = "ssr")]
use keyward::service::UserAccessInput;

#[cfg(feature = "ssr")]
fn access(all_accounts: bool, accounts: Vec<AccountId>) -> UserAccessInput {
    if all_accounts {
        UserAccessInput::All
    } else {
        UserAccessInput::Only(accounts)
    }
}

/// Every user; Global Admins and Global Viewers only.
#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<User>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.users().list(&caller).await?)
}

/// Creates a user; Global Admins only.
#[server(prefix = "/api", endpoint = "users/create", input = Json)]
pub async fn create_user(
    email: String,
    password: String,
    role: Role,
    all_accounts: bool,
    accounts: Vec<AccountId>,
) -> Result<User, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw
        .users()
        .create(&caller, &email, &password, role, access(all_accounts, accounts))
        .await?)
}

/// Changes a user's role and accounts; Global Admins only.
#[server(prefix = "/api", endpoint = "users/update", input = Json)]
pub async fn update_user(
    id: UserId,
    role: Role,
    all_accounts: bool,
    accounts: Vec<AccountId>,
) -> Result<User, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw
        .users()
        .update_role(&caller, id, role, access(all_accounts, accounts))
        .await?)
}

/// Disables or re-enables a user; Global Admins only.
#[server(prefix = "/api", endpoint = "users/set_disabled", input = Json)]
pub async fn set_user_disabled(id: UserId, disabled: bool) -> Result<User, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.users().set_disabled(&caller, id, disabled).await?)
}
