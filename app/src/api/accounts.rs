//! Accounts: list, read, create, and change plan and switches.

use keyward::domain::{Account, Plan};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// The accounts the signed-in user may read.
#[server(prefix = "/api", endpoint = "accounts/list")]
pub async fn list_accounts() -> Result<Vec<Account>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.accounts().list(&caller).await?)
}

/// One account by name.
#[server(prefix = "/api", endpoint = "accounts/get")]
pub async fn get_account(name: String) -> Result<Account, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.accounts().get(&caller, &name).await?)
}

/// Creates an account; Global Admins only.
#[server(prefix = "/api", endpoint = "accounts/create", input = Json)]
pub async fn create_account(name: String, plan: Plan) -> Result<Account, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.accounts().create(&caller, &name, plan).await?)
}

/// Changes an account's plan, switches or notification addresses; Global Admins only.
#[server(prefix = "/api", endpoint = "accounts/update", input = Json)]
pub async fn update_account(
    name: String,
    plan: Option<Plan>,
    api_enabled: Option<bool>,
    allow_query_key: Option<bool>,
    notification_emails: Option<Vec<String>>,
) -> Result<Account, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let patch = keyward::service::AccountPatch {
        plan,
        api_enabled,
        allow_query_key,
        notification_emails,
        rate_limit: None,
    };
    Ok(kw.accounts().update(&caller, &name, patch).await?)
}
