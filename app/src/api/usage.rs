//! The dashboard's usage analytics.

use keyward::domain::usage::UsageOverview;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// Traffic over the last `days` for one account, or every account the user
/// may read when `account` is `None`.
#[server(prefix = "/api", endpoint = "usage/traffic", input = Json)]
pub async fn traffic(account: Option<String>, days: i64) -> Result<UsageOverview, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.usage().overview(&caller, account.as_deref(), days).await?)
}
