//! Notice e-mails: composed from an event's payload, sent over SMTP with
//! lettre, plain text plus HTML.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;

use crate::domain::time::format_utc;
use crate::domain::webhook::{SmtpInput, SmtpSecurity};

/// An e-mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The e-mail for an event's payload (`key.expiring`, `key.expired`,
/// `webhook.failing`, or a test). `console` is the console's public URL, for
/// the renew-or-rotate link.
pub fn compose(payload: &Value, console: Option<&str>) -> Mail {
    let kind = payload["type"].as_str().unwrap_or_default();
    let data = &payload["data"];
    let c = &data["credential"];
    let name = c["name"].as_str().unwrap_or("a credential");
    let prefix = c["prefix"].as_str().unwrap_or_default();
    let account = payload["account"].as_str().unwrap_or_default();
    let expires = c["expires_at"]
        .as_i64()
        .map(format_utc)
        .unwrap_or_else(|| "never".into());
    let link = console.map(|base| {
        format!(
            "{}/credentials/{}",
            base.trim_end_matches('/'),
            c["id"].as_str().unwrap_or_default()
        )
    });
    let (subject, lead) = match kind {
        "key.expiring" => {
            let days = data["days_left"].as_i64().unwrap_or(1);
            let when = if days == 1 {
                "tomorrow".to_owned()
            } else {
                format!("in {days} days")
            };
            (
                format!("[Keyward] {name} expires {when}"),
                format!(
                    "The credential {name} ({prefix}…) in the account {account} expires {when}, at {expires} UTC. Calls made with it will be refused from then on. Renew it (change its expiry) or rotate it to a new secret before then."
                ),
            )
        }
        "key.expired" => (
            format!("[Keyward] {name} has expired"),
            format!(
                "The credential {name} ({prefix}…) in the account {account} expired at {expires} UTC. Calls made with it are refused. Create a new credential or change its expiry to use it again."
            ),
        ),
        "key.rotation_due" => (
            format!("[Keyward] Rotate {name}"),
            match data["reason"].as_str() {
                Some(reason) => format!(
                    "The credential {name} ({prefix}…) in the account {account} is due for rotation, but Keyward did not rotate it: {reason}. Its secret still works. Add a webhook endpoint for key.rotated, or rotate it by hand."
                ),
                None => format!(
                    "The credential {name} ({prefix}…) in the account {account} is due for rotation under its policy. Its holder should rotate it now (POST /v1/keys/self/rotate with the current secret), then deploy the new secret.{}",
                    data["enforce_after_days"]
                        .as_i64()
                        .map(|d| format!(" If it is not rotated within {d} days of the due date, it expires."))
                        .unwrap_or_default()
                ),
            },
        ),
        "key.rotation_stalled" => {
            let ip = data["previous_secret_last_used_ip"]
                .as_str()
                .unwrap_or("an unknown address");
            let at = data["previous_secret_last_used_at"]
                .as_i64()
                .map(format_utc)
                .unwrap_or_default();
            (
                format!("[Keyward] {name}: the old secret was still in use"),
                format!(
                    "The grace period of the previous secret of {name} ({prefix}…) in the account {account} has ended, but it was still used at {at} UTC from {ip}. Something that calls with it did not pick up the new secret and is now refused: deploy the new secret there."
                ),
            )
        }
        "webhook.failing" => {
            let url = data["url"].as_str().unwrap_or_default();
            (
                "[Keyward] A webhook endpoint is failing".to_owned(),
                format!(
                    "Deliveries to {url} (account {account}) have failed for 24 hours and were given up. Check the endpoint, then replay the failed deliveries from its page in the console."
                ),
            )
        }
        _ => (
            "[Keyward] Test e-mail".to_owned(),
            "This is a test e-mail from Keyward: the SMTP settings work.".to_owned(),
        ),
    };
    let action = match (&link, kind) {
        (Some(l), "key.expiring" | "key.expired" | "key.rotation_due" | "key.rotation_stalled") => {
            format!("\n\nOpen it in the console: {l}")
        }
        _ => String::new(),
    };
    let text = format!("{lead}{action}\n\n-- \nKeyward\n");
    let button = match (&link, kind) {
        (Some(l), "key.expiring" | "key.expired" | "key.rotation_due" | "key.rotation_stalled") => format!(
            r#"<p><a href="{}" style="display:inline-block;padding:10px 16px;border-radius:8px;background:#4f46e5;color:#fff;text-decoration:none;font-weight:600">Open {} in the console</a></p>"#,
            escape(l),
            escape(name)
        ),
        _ => String::new(),
    };
    let html = format!(
        r#"<!doctype html><html><body style="font-family:system-ui,-apple-system,sans-serif;color:#18181b;line-height:1.5;max-width:560px;margin:24px auto;padding:0 16px"><h1 style="font-size:18px">{}</h1><p>{}</p>{button}<p style="color:#71717a;font-size:12px">Sent by Keyward.</p></body></html>"#,
        escape(&subject),
        escape(&lead)
    );
    Mail { subject, text, html }
}

/// Why an e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the address {0:?} is not usable")]
    Address(String),
    #[error("the SMTP server refused or failed: {0}")]
    Smtp(String),
}

/// Sends `mail` to `to` through `smtp` (its password opened), allowing each
/// SMTP step `timeout`.
pub async fn send(smtp: &SmtpInput, timeout: Duration, to: &str, mail: &Mail) -> Result<(), MailError> {
    let from: Mailbox = smtp.from.parse().map_err(|_| MailError::Address(smtp.from.clone()))?;
    let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| MailError::Smtp(e.to_string()))?;
    super::webhook::install_tls_provider();
    let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| MailError::Smtp(e.to_string()));
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(timeout));
    builder = match smtp.security {
        SmtpSecurity::Starttls => builder.tls(Tls::Required(tls()?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        SmtpSecurity::None => builder.tls(Tls::None),
    };
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| MailError::Smtp(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_expiry_notice_names_the_key_its_expiry_and_links_to_it() {
        let payload = json!({
            "type": "key.expiring", "account": "acme",
            "data": { "days_left": 7, "credential": { "id": "key_1", "name": "CI <deploys>", "prefix": "kw_prod_8xK9", "expires_at": 1_700_000_000 } }
        });
        let m = compose(&payload, Some("https://keys.example.com/"));
        assert_eq!(m.subject, "[Keyward] CI <deploys> expires in 7 days");
        assert!(m.text.contains("kw_prod_8xK9…"));
        assert!(m.text.contains("2023-11-14 22:13"));
        assert!(m.text.contains("https://keys.example.com/credentials/key_1"));
        assert!(m.html.contains("CI &lt;deploys&gt;"), "{}", m.html);
        assert!(!m.html.contains("<deploys>"));
    }
}
