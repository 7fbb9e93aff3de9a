//! Credentials: list, read, create (the secret comes back once), change,
//! rotate (by hand or by its policy), revoke, and what the console needs to
//! build its forms.

use keyward::domain::credential::{
    BulkOutcome, BulkSelection, Created, CredentialPage, CredentialPatch, CredentialQuery, CredentialSummary,
    ExportFormat, RotationDelivery,
};
use keyward::domain::{AuditPage, Credential, CredentialInput};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// What the credential forms are built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormChoices {
    /// The resources scopes may name.
    pub resources: Vec<String>,
    /// The accounts the user may create credentials in.
    pub accounts: Vec<String>,
}

/// A page of credentials the signed-in user may see.
#[server(prefix = "/api", endpoint = "credentials/list", input = Json)]
pub async fn list_credentials(query: CredentialQuery) -> Result<CredentialPage, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().list(&caller, &query).await?)
}

/// One credential.
#[server(prefix = "/api", endpoint = "credentials/get", input = Json)]
pub async fn get_credential(id: String) -> Result<Credential, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().get(&caller, &id).await?)
}

/// The dashboard's counts and short lists.
#[server(prefix = "/api", endpoint = "credentials/summary", input = Json)]
pub async fn dashboard_credentials() -> Result<CredentialSummary, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().summary(&caller).await?)
}

/// The scope catalog and the accounts the user may write to.
#[server(prefix = "/api", endpoint = "credentials/catalog", input = Json)]
pub async fn form_catalog() -> Result<FormChoices, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let accounts = kw.accounts().list(&caller).await?.into_iter().map(|a| a.name).collect();
    Ok(FormChoices {
        resources: kw.config().catalog.0.clone(),
        accounts,
    })
}

/// Creates a credential; the answer holds its secret, which is never shown again.
#[server(prefix = "/api", endpoint = "credentials/create", input = Json)]
pub async fn create_credential(input: CredentialInput) -> Result<Created, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().create(&caller, input).await?)
}

/// Changes a credential, if it is still at `version` (the one the form was
/// filled from: one admin's save never silently undoes another's).
#[server(prefix = "/api", endpoint = "credentials/update", input = Json)]
pub async fn update_credential(
    id: String,
    patch: CredentialPatch,
    version: Option<i64>,
) -> Result<Credential, ConsoleError> {
    use keyward::wire::etag::Precondition;
    let (kw, caller) = context::caller().await?;
    let precondition = version.map_or(Precondition::None, |v| Precondition::OneOf(vec![v]));
    Ok(kw.credentials().update(&caller, &id, patch, &precondition).await?)
}

/// Issues a new secret; the old one keeps working for `grace_period_seconds`.
#[server(prefix = "/api", endpoint = "credentials/rotate", input = Json)]
pub async fn rotate_credential(id: String, grace_period_seconds: i64) -> Result<Created, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw
        .credentials()
        .rotate(&caller, &id, Some(grace_period_seconds))
        .await?)
}

/// What "rotate now by policy" did. It carries no secret: an encrypted
/// delivery sent it to the holder, a notify delivery asked the holder to rotate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRotated {
    /// The credential afterwards.
    pub credential: Credential,
    /// `encrypted`: rotated, the secret went out in the `key.rotated` webhook;
    /// `notify`: `key.rotation_due` was sent.
    pub delivery: RotationDelivery,
}

/// Does at once what the credential's rotation policy does when it is due.
#[server(prefix = "/api", endpoint = "credentials/rotate_by_policy", input = Json)]
pub async fn rotate_by_policy(id: String) -> Result<PolicyRotated, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let done = kw.credentials().rotate_by_policy(&caller, &id).await?;
    Ok(PolicyRotated {
        credential: done.credential,
        delivery: done.delivery,
    })
}

/// Ends the previous secret now instead of at the end of its grace period.
#[server(prefix = "/api", endpoint = "credentials/end_grace", input = Json)]
pub async fn end_grace(id: String) -> Result<(), ConsoleError> {
    let (kw, caller) = context::caller().await?;
    kw.credentials().end_grace(&caller, &id).await?;
    Ok(())
}

/// Revokes a credential. The caller must type its name, which the server checks
/// too, so a mistaken script cannot revoke the wrong one.
#[server(prefix = "/api", endpoint = "credentials/revoke", input = Json)]
pub async fn revoke_credential(id: String, confirm_name: String) -> Result<Credential, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().revoke(&caller, &id, Some(&confirm_name)).await?)
}

/// The credential's own audit entries, newest first.
#[server(prefix = "/api", endpoint = "credentials/audit", input = Json)]
pub async fn credential_audit(id: String) -> Result<AuditPage, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    let filter = keyward::domain::AuditFilter {
        target: Some(format!("key:{id}")),
        limit: Some(50),
        ..Default::default()
    };
    Ok(kw.audit().list(&caller, &filter).await?)
}

/// The credential's calls over the last `days` (1, 7 or 30): by hour for a
/// day, by day otherwise.
#[server(prefix = "/api", endpoint = "credentials/usage", input = Json)]
pub async fn credential_usage(id: String, days: i64) -> Result<keyward::domain::usage::UsageSeries, ConsoleError> {
    use keyward::domain::usage::Granularity;
    let (kw, caller) = context::caller().await?;
    let days = days.clamp(1, 30);
    let granularity = if days == 1 { Granularity::Hour } else { Granularity::Day };
    let step = granularity.seconds();
    let to = (kw.now() / step + 1) * step;
    let from = to - days * 86_400;
    Ok(kw
        .usage()
        .series(&caller, &id, Some(from), Some(to), Some(granularity))
        .await?)
}

/// How many credentials the filter matches (its cursor and limit aside), for
/// "select all N matching" and the count a bulk revocation confirms.
#[server(prefix = "/api", endpoint = "credentials/count", input = Json)]
pub async fn count_credentials(query: CredentialQuery) -> Result<u64, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().count(&caller, &query).await?)
}

/// Revokes the selected credentials, each audited on its own; says which
/// were revoked and which failed, and why.
#[server(prefix = "/api", endpoint = "credentials/revoke_many", input = Json)]
pub async fn revoke_credentials(selection: BulkSelection) -> Result<BulkOutcome, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().revoke_many(&caller, selection).await?)
}

/// The filtered list as a CSV or JSON file's text (never a secret); the
/// page saves it, so the export stays behind the session.
#[server(prefix = "/api", endpoint = "credentials/export", input = Json)]
pub async fn export_credentials(query: CredentialQuery, format: ExportFormat) -> Result<String, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.credentials().export(&caller, &query, format).await?)
}
