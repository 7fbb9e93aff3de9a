//! Applications (OVH-style credentials): their consumer keys, and the
//! validation page where a user approves or refuses a consumer key an
//! application asked for. The services decide who may do what.

use keyward::domain::application::{ConsumerKey, PendingConsumerKey};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// An application's consumer keys, with the API base its requests are signed
/// against (for the code samples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationKeys {
    /// The configured API base, `/1.0` by default.
    pub base_path: String,
    /// Newest first.
    pub keys: Vec<ConsumerKey>,
}

/// An application's consumer keys.
#[server(prefix = "/api", endpoint = "applications/consumer_keys", input = Json)]
pub async fn consumer_keys(id: String) -> Result<ApplicationKeys, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let keys = kw.applications().consumer_keys(&caller, &id).await?;
    Ok(ApplicationKeys {
        base_path: kw.config().application_base_path.as_str().to_owned(),
        keys,
    })
}

/// Revokes one consumer key of an application; the others go on working.
#[server(prefix = "/api", endpoint = "applications/revoke_consumer_key", input = Json)]
pub async fn revoke_consumer_key(id: String, consumer_key_id: String) -> Result<ConsumerKey, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw
        .applications()
        .revoke_consumer_key(&caller, &id, &consumer_key_id)
        .await?)
}

/// A consumer-key request waiting for a decision, by its validation token.
#[server(prefix = "/api", endpoint = "applications/pending", input = Json)]
pub async fn pending_request(token: String) -> Result<PendingConsumerKey, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.applications().pending(&caller, &token).await?)
}

/// Approves (on `account`, for `expires`) or refuses a consumer-key request;
/// answers where to send the browser next, if the application said.
#[server(prefix = "/api", endpoint = "applications/decide", input = Json)]
pub async fn decide_request(
    token: String,
    approve: bool,
    account: Option<String>,
    expires: Option<String>,
) -> Result<Option<String>, ConsoleError> {
    use keyward::service::ConsumerKeyDecision;
    let (kw, caller) = context::caller().await?;
    let decision = ConsumerKeyDecision {
        approve,
        account: account.filter(|a| !a.trim().is_empty()),
        expires: expires.filter(|e| !e.trim().is_empty()),
    };
    Ok(kw.applications().decide(&caller, &token, &decision).await?)
}
