//! The audit trail.

use keyward::domain::{AuditFilter, AuditPage};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// A newest-first page of the entries the signed-in user may see.
#[server(prefix = "/api", endpoint = "audit/list", input = Json)]
pub async fn list_audit(filter: AuditFilter) -> Result<AuditPage, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.audit().list(&caller, &filter).await?)
}
