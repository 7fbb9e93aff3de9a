//! This install: its OAuth issuer, and the facts the Settings page shows.
//!
//! The issuer is the `iss` of every access token, checked on every one: the
//! operator's public URL when set; otherwise the base URL of the first
//! start, pinned in the database, so it never follows a request's `Host`.

use super::OAuth;
use crate::authz::{Access, Action, Area, Target};
use crate::domain::instance::InstanceFacts;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::{self, Pragma};

const ISSUER: &str = "issuer";

impl<'a> OAuth<'a> {
    /// The issuer, once known: from the configuration, the database, or
    /// [`OAuth::pin_issuer`] at the first start.
    pub fn issuer(&self) -> Option<&'a str> {
        self.kw.issuer.get().map(String::as_str)
    }

    /// Loads the issuer at open: the public URL wins; else the pinned one, if any.
    pub(in crate::service) async fn load_issuer(&self) -> ServiceResult<()> {
        let issuer = match &self.kw.config().public_url {
            Some(url) => Some(url.trim_end_matches('/').to_owned()),
            None => store::instance::get(self.kw.store().pool(), ISSUER).await?,
        };
        if let Some(i) = issuer {
            let _ = self.kw.issuer.set(i);
        }
        Ok(())
    }

    /// How this instance runs; for the global roles.
    pub async fn instance_facts(&self, caller: &Caller) -> ServiceResult<InstanceFacts> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "settings")?;
        let pragma = async |name| self.kw.store().pragma(name).await.map_err(ServiceError::from);
        Ok(InstanceFacts {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.kw.config().data_dir.display().to_string(),
            public_url: self.kw.config().public_url.clone(),
            database: self.kw.store().engine().label().to_owned(),
            journal_mode: pragma(Pragma::JournalMode).await?,
            synchronous: match pragma(Pragma::Synchronous).await?.as_str() {
                "2" => "FULL".to_owned(),
                "1" => "NORMAL".to_owned(),
                other => other.to_owned(),
            },
            session_idle_secs: self.kw.config().session_idle_secs,
            session_max_secs: self.kw.config().session_max_secs,
        })
    }

    /// Pins `base` (the URL this server listens at) as the issuer unless one
    /// is known; an issuer pinned before is kept.
    pub async fn pin_issuer(&self, base: &str) -> ServiceResult<&'a str> {
        if self.kw.issuer.get().is_none() {
            let pinned =
                store::instance::get_or_insert(self.kw.store().pool(), ISSUER, base.trim_end_matches('/')).await?;
            let _ = self.kw.issuer.set(pinned);
        }
        Ok(self.issuer().expect("set just above"))
    }
}
