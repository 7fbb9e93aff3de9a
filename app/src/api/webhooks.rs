//! Webhook endpoints, their delivery logs, test events and replays, and the
//! SMTP settings.

use keyward::domain::webhook::{Delivery, SmtpInput, SmtpSettings, Webhook, WebhookCreated, WebhookInput};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// The endpoints of every account the user may read.
#[server(prefix = "/api", endpoint = "webhooks/list", input = Json)]
pub async fn list_webhooks() -> Result<Vec<Webhook>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().list_webhooks(&caller, None).await?)
}

/// One endpoint.
#[server(prefix = "/api", endpoint = "webhooks/get", input = Json)]
pub async fn get_webhook(id: String) -> Result<Webhook, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().get_webhook(&caller, &id).await?)
}

/// Adds an endpoint; the answer holds its signing secret, shown once.
#[server(prefix = "/api", endpoint = "webhooks/create", input = Json)]
pub async fn create_webhook(input: WebhookInput) -> Result<WebhookCreated, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().create_webhook(&caller, input).await?)
}

/// Deletes an endpoint.
#[server(prefix = "/api", endpoint = "webhooks/delete", input = Json)]
pub async fn delete_webhook(id: String) -> Result<(), ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().delete_webhook(&caller, &id).await?)
}

/// An endpoint's deliveries, newest first.
#[server(prefix = "/api", endpoint = "webhooks/deliveries", input = Json)]
pub async fn webhook_deliveries(id: String) -> Result<Vec<Delivery>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().webhook_deliveries(&caller, &id).await?)
}

/// Queues a `webhook.test` event for the endpoint.
#[server(prefix = "/api", endpoint = "webhooks/test", input = Json)]
pub async fn send_test_event(id: String) -> Result<Delivery, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().send_test_event(&caller, &id).await?)
}

/// Sends a delivery's event again, with the same event id.
#[server(prefix = "/api", endpoint = "webhooks/replay", input = Json)]
pub async fn replay_delivery(id: String, delivery: i64) -> Result<Delivery, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().replay_delivery(&caller, &id, delivery).await?)
}

/// The SMTP settings, without the password.
#[server(prefix = "/api", endpoint = "settings/smtp", input = Json)]
pub async fn get_smtp() -> Result<Option<SmtpSettings>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().smtp_settings(&caller).await?)
}

/// Saves the SMTP settings; a `password` of `None` keeps the stored one.
#[server(prefix = "/api", endpoint = "settings/save_smtp", input = Json)]
pub async fn save_smtp(input: SmtpInput) -> Result<SmtpSettings, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().set_smtp(&caller, input).await?)
}

/// The latest notice e-mails and how their delivery went.
#[server(prefix = "/api", endpoint = "settings/email_log", input = Json)]
pub async fn email_log() -> Result<Vec<Delivery>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().email_deliveries(&caller).await?)
}

/// Sends a test e-mail to `to` now.
#[server(prefix = "/api", endpoint = "settings/test_email", input = Json)]
pub async fn send_test_email(to: String) -> Result<(), ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.notifications().send_test_email(&caller, &to).await?)
}
