//! The keys that sign access tokens and JWT-format secrets: rotation (Global
//! Admins and the CLI), the published list, the JWKS, and reloading what
//! another process rotated.

use serde_json::json;

use super::OAuth;
use crate::authz::{Access, Action, Area, Target};
use crate::crypto::{jwt, keygen};
use crate::domain::SigningKeyInfo;
use crate::domain::credential::MAX_TOKEN_TTL_SECS;
use crate::service::change::Change;
use crate::service::{Caller, ServiceResult};
use crate::store;

impl OAuth<'_> {
    /// Adds a signing key and retires the current one. The old key stays in the
    /// JWKS until every token it signed has expired: the longest access-token
    /// lifetime, or the latest expiry of a JWT-format key it signed.
    /// Global Admins (and admin keys with the Global Admin role) only.
    pub async fn rotate_signing_key(&self, caller: &Caller, alg: jwt::JwtAlgorithm) -> ServiceResult<SigningKeyInfo> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "signing key")?;
        let now = self.kw.now();
        let kid = format!("{}-{}", now, keygen::base62(8));
        let generated = jwt::generate(alg, &kid);
        let sealed = self.kw.sealer().seal(&generated.pkcs8, &kid);
        let mut tx = Change::begin(self.kw, caller).await?;
        let current = store::signing_keys::active_kids(&mut *tx).await?;
        store::signing_keys::insert(
            &mut tx,
            &kid,
            alg.as_str(),
            &sealed,
            &generated.public_jwk.to_string(),
            now,
        )
        .await?;
        for old in &current {
            let until = match store::signing_keys::jwt_keys_signed_by(&mut *tx, old).await? {
                Some(None) => None,
                Some(Some(latest)) => Some(latest.max(now + MAX_TOKEN_TTL_SECS)),
                None => Some(now + MAX_TOKEN_TTL_SECS),
            };
            store::signing_keys::retire(&mut *tx, old, now, until).await?;
        }
        tx.audit(
            "signing_key.rotated",
            Some(format!("signing_key:{kid}")),
            None,
            json!({ "algorithm": alg.as_str(), "retired": current }),
        )
        .await?;
        if !current.is_empty() {
            tx.emit(
                crate::domain::event::EventType::SigningKeyRotated,
                crate::service::notifications::Subject {
                    account: None,
                    credential: None,
                },
                json!({ "kid": kid, "algorithm": alg.as_str(), "retired": current }),
                None,
            )
            .await?;
        }
        tx.touches_signing_keys();
        tx.commit().await?;
        Ok(SigningKeyInfo {
            kid,
            algorithm: alg.as_str().into(),
            created_at: now,
            retired_at: None,
            publish_until: None,
        })
    }

    /// Reloads the key ring from the database (after a rotation, or when the
    /// CLI rotated keys in another process).
    pub async fn reload_keyring(&self) -> ServiceResult<()> {
        let pool = self.kw.store().pool();
        let rows = store::signing_keys::published(pool, self.kw.now()).await?;
        let fingerprint = store::signing_keys::fingerprint(pool).await?;
        self.kw.keyring().replace(&rows, &self.kw.sealer(), fingerprint);
        Ok(())
    }

    /// Reloads the key ring if the table changed since it was loaded (a CLI
    /// rotation) or a retired key's publication ended; run every few seconds.
    pub async fn refresh_keyring_if_changed(&self) -> ServiceResult<bool> {
        let fingerprint = store::signing_keys::fingerprint(self.kw.store().pool()).await?;
        let ring = self.kw.keyring().current();
        let now = self.kw.now();
        let lapsed = ring.keys.iter().any(|k| k.publish_until.is_some_and(|t| t <= now));
        if fingerprint == ring.fingerprint && !lapsed {
            return Ok(false);
        }
        self.reload_keyring().await?;
        Ok(true)
    }

    /// The published signing keys, newest first, for whoever may read install-wide settings.
    pub fn signing_keys(&self, caller: &Caller) -> ServiceResult<Vec<SigningKeyInfo>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "signing key")?;
        Ok(self.kw.keyring().current().keys.clone())
    }

    /// The JWKS document (RFC 7517).
    pub fn jwks(&self) -> std::sync::Arc<str> {
        self.kw.keyring().current().jwks.clone()
    }
}
