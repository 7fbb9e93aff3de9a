//! E-mail: the SMTP settings (the password sealed), the test e-mail, and
//! the log of notice e-mails.

use serde_json::json;

use super::Notifications;
use super::webhooks::{LOG_LIMIT, delivery};
use crate::authz::{Access, Action, Area, Target};
use crate::domain::webhook::{Delivery, SmtpInput, SmtpSecurity, SmtpSettings};
use crate::domain::{Email, ValidationError};
use crate::notify::email;
use crate::service::change::Change;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::smtp::SmtpRow;
use crate::store::{self, StoreError};

/// The sealing context of the SMTP password.
pub(super) const SMTP_CONTEXT: &str = "smtp-password";

impl Notifications<'_> {
    /// The latest e-mails (notices and alarms) and how their delivery went;
    /// the global roles only, since they name every account's addresses.
    pub async fn email_deliveries(&self, caller: &Caller) -> ServiceResult<Vec<Delivery>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "settings")?;
        Ok(store::events::emails(self.kw.store().pool(), LOG_LIMIT)
            .await?
            .into_iter()
            .map(|d| delivery(d, true))
            .collect())
    }

    /// The SMTP settings, without the password (the global roles only).
    pub async fn smtp_settings(&self, caller: &Caller) -> ServiceResult<Option<SmtpSettings>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "settings")?;
        Ok(store::smtp::get(self.kw.store().pool()).await?.map(|r| SmtpSettings {
            host: r.host,
            port: u16::try_from(r.port).unwrap_or(25),
            security: SmtpSecurity::parse(&r.security).unwrap_or_default(),
            username: r.username,
            password_set: r.password_sealed.is_some(),
            from: r.from_address,
        }))
    }

    /// Replaces the SMTP settings; a missing password keeps the stored one
    /// (unless the change turns encryption off), an empty one clears it.
    pub async fn set_smtp(&self, caller: &Caller, input: SmtpInput) -> ServiceResult<SmtpSettings> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "settings")?;
        input.validate()?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let previous = store::smtp::get(&mut *tx).await?;
        let username = input.username.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        // The stored password goes only to the server it was given for: a new
        // host, port or user name needs it typed again.
        let same_server = previous
            .as_ref()
            .is_some_and(|p| p.host == input.host.trim() && p.port == i64::from(input.port) && p.username == username);
        if input.password.is_none() && !same_server && previous.as_ref().is_some_and(|p| p.password_sealed.is_some()) {
            return Err(ValidationError::new(
                "password",
                "enter the password again: the host, port or user name changed",
            )
            .into());
        }
        // Nor does it follow a switch to no encryption, where it would cross
        // the network in clear: only a password typed with that change (the
        // admin's explicit choice) is sent that way.
        let downgraded = input.security == SmtpSecurity::None
            && previous
                .as_ref()
                .is_some_and(|p| SmtpSecurity::parse(&p.security) != Some(SmtpSecurity::None));
        let stored = previous.and_then(|p| p.password_sealed);
        let (password_sealed, password_dropped) = match input.password.as_deref() {
            None if downgraded => (None, stored.is_some()),
            None => (stored, false),
            Some("") => (None, false),
            Some(p) => (Some(self.kw.sealer().seal(p.as_bytes(), SMTP_CONTEXT)), false),
        };
        store::smtp::put(
            &mut *tx,
            &SmtpRow {
                host: input.host.trim().to_owned(),
                port: i64::from(input.port),
                security: input.security.as_str().to_owned(),
                username: username.clone(),
                password_sealed,
                from_address: input.from.trim().to_owned(),
            },
            now,
        )
        .await?;
        tx.audit(
            "smtp.updated",
            None,
            None,
            json!({
                "host": input.host.trim(), "port": input.port, "security": input.security,
                "username": username, "password_dropped": password_dropped,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(self.smtp_settings(caller).await?.unwrap_or_default())
    }

    /// Sends a test e-mail now and says what the server answered.
    pub async fn send_test_email(&self, caller: &Caller, to: &str) -> ServiceResult<()> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "settings")?;
        let to = Email::parse(to).map_err(|e| ValidationError::new("to", e.message))?;
        let smtp = self
            .smtp()
            .await?
            .ok_or_else(|| ServiceError::rule("SMTP_NOT_CONFIGURED", "Save the SMTP settings first."))?;
        let mail = email::compose(&json!({ "type": "test" }), None);
        email::send(&smtp, self.kw.config().delivery_timeout, to.as_str(), &mail)
            .await
            .map_err(|e| ServiceError::rule("SMTP_FAILED", e.to_string()))
    }

    /// The SMTP settings with the password opened, for sending.
    pub(super) async fn smtp(&self) -> ServiceResult<Option<SmtpInput>> {
        let Some(row) = store::smtp::get(self.kw.store().pool()).await? else {
            return Ok(None);
        };
        let password = match &row.password_sealed {
            Some(sealed) => Some(
                self.kw
                    .sealer()
                    .open(sealed, SMTP_CONTEXT)
                    .map(|p| String::from_utf8_lossy(&p).into_owned())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
            None => None,
        };
        Ok(Some(SmtpInput {
            host: row.host,
            port: u16::try_from(row.port).unwrap_or(25),
            security: SmtpSecurity::parse(&row.security).unwrap_or_default(),
            username: row.username,
            password,
            from: row.from_address,
        }))
    }
}
