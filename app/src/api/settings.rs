//! Facts about this instance for the Settings page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// How this instance is configured, as the Settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceFacts {
    pub version: String,
    pub data_dir: String,
    pub public_url: Option<String>,
    pub journal_mode: String,
    pub synchronous: String,
    pub session_idle_secs: i64,
    pub session_max_secs: i64,
}

/// Instance facts; Global Admins and Global Viewers only.
#[server(prefix = "/api", endpoint = "settings/instance")]
pub async fn instance_info() -> Result<InstanceFacts, ConsoleError> {
    use keyward::store::Pragma;
    let (kw, p) = context::principal().await?;
    if !p.can_read_global() {
        return Err(keyward::service::ServiceError::Forbidden.into());
    }
    let store = kw.store();
    let pragma = async |name| store.pragma(name).await.map_err(keyward::service::ServiceError::from);
    Ok(InstanceFacts {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: kw.config().data_dir.display().to_string(),
        public_url: kw.config().public_url.clone(),
        journal_mode: pragma(Pragma::JournalMode).await?,
        synchronous: match pragma(Pragma::Synchronous).await?.as_str() {
            "2" => "FULL".to_owned(),
            "1" => "NORMAL".to_owned(),
            other => other.to_owned(),
        },
        session_idle_secs: kw.config().session_idle_secs,
        session_max_secs: kw.config().session_max_secs,
    })
}
