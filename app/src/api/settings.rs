//! Facts about this instance for the Settings page.

use keyward::domain::SigningKeyInfo;
use keyward::domain::instance::InstanceFacts;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// Instance facts; Global Admins and Global Viewers only.
#[server(prefix = "/api", endpoint = "settings/instance")]
pub async fn instance_info() -> Result<InstanceFacts, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.oauth().instance_facts(&caller).await?)
}

/// The keys that sign access tokens and JWT-format secrets, newest first.
#[server(prefix = "/api", endpoint = "settings/signing_keys", input = Json)]
pub async fn signing_keys() -> Result<Vec<SigningKeyInfo>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.oauth().signing_keys(&caller)?)
}

/// Adds a signing key with `algorithm` (RS256, ES256 or EdDSA); the current
/// one stays published until every token it signed has expired.
#[server(prefix = "/api", endpoint = "settings/rotate_signing_key", input = Json)]
pub async fn rotate_signing_key(algorithm: String) -> Result<SigningKeyInfo, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let alg = algorithm.parse().map_err(|message: String| {
        keyward::service::ServiceError::from(keyward::domain::ValidationError::new("algorithm", message))
    })?;
    Ok(kw.oauth().rotate_signing_key(&caller, alg).await?)
}
