//! Facts about this instance for the Settings page.

use keyward::domain::SigningKeyInfo;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
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

/// The keys that sign access tokens and JWT-format secrets, newest first.
#[server(prefix = "/api", endpoint = "settings/signing_keys", input = Json)]
pub async fn signing_keys() -> Result<Vec<SigningKeyInfo>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.signing_keys(&caller)?)
}

/// Adds a signing key with `algorithm` (RS256, ES256 or EdDSA); the current
/// one stays published until every token it signed has expired.
#[server(prefix = "/api", endpoint = "settings/rotate_signing_key", input = Json)]
pub async fn rotate_signing_key(algorithm: String) -> Result<SigningKeyInfo, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let alg = algorithm.parse().map_err(|message: String| {
        keyward::service::ServiceError::from(keyward::domain::ValidationError::new("algorithm", message))
    })?;
    Ok(kw.rotate_signing_key(&caller, alg).await?)
}
