//! The keys that sign access tokens and JWT-format secrets: rotation (Global
//! Admins and the CLI), the published list, the JWKS, and reloading what
//! another process rotated. Rotation on a schedule is in `signing_schedule.rs`.

use serde_json::json;

use super::OAuth;
use crate::authz::{Access, Action, Area, Target};
use crate::crypto::{jwt, keygen};
use crate::domain::credential::MAX_TOKEN_TTL_SECS;
use crate::domain::event::EventType;
use crate::domain::signing_key::{self, SigningKeyInfo, SigningKeyState};
use crate::service::change::Change;
use crate::service::notifications::Subject;
use crate::service::{Caller, Keyward, ServiceResult};
use crate::store;
use crate::store::signing_keys::NewSigningKey;

impl OAuth<'_> {
    /// Adds a signing key that signs at once and retires the current one. The
    /// old key stays in the JWKS until every token it signed has expired: the
    /// longest access-token lifetime, or the latest expiry of a JWT-format key
    /// it signed. Global Admins (and admin keys with the Global Admin role) only.
    ///
    /// A next key the schedule published ahead is withdrawn from the JWKS at
    /// once instead of being promoted: it never signed, so nothing needs it;
    /// a manual rotation is often the answer to a suspected exposure, which a
    /// key made before it would share; and the algorithm asked for is kept.
    /// The schedule then counts the next due date from this key.
    pub async fn rotate_signing_key(&self, caller: &Caller, alg: jwt::JwtAlgorithm) -> ServiceResult<SigningKeyInfo> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "signing key")?;
        let now = self.kw.now();
        let key = GeneratedKey::new(self.kw, alg, now);
        let mut tx = Change::begin(self.kw, caller).await?;
        let (ahead, current): (Vec<_>, Vec<_>) = store::signing_keys::live(&mut *tx)
            .await?
            .into_iter()
            .partition(|k| k.activates_at > now);
        store::signing_keys::insert(&mut tx, &key.row(now, now)).await?;
        let withdrawn: Vec<String> = ahead.into_iter().map(|k| k.kid).collect();
        for kid in &withdrawn {
            store::signing_keys::retire(&mut *tx, kid, now, Some(now)).await?;
        }
        let retired: Vec<String> = current.into_iter().map(|k| k.kid).collect();
        retire_superseded(&mut tx, &retired, now).await?;
        tx.audit(
            "signing_key.rotated",
            Some(format!("signing_key:{}", key.kid)),
            None,
            json!({ "algorithm": alg.as_str(), "retired": retired, "withdrawn": withdrawn, "by": "manual" }),
        )
        .await?;
        if !retired.is_empty() {
            announce_rotation(&mut tx, &key.kid, alg.as_str(), &retired, "manual").await?;
        }
        tx.touches_signing_keys();
        tx.commit().await?;
        Ok(SigningKeyInfo {
            kid: key.kid,
            algorithm: alg.as_str().into(),
            created_at: now,
            activates_at: now,
            retired_at: None,
            publish_until: None,
            state: SigningKeyState::Current,
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

    /// The published signing keys, latest activation first (the next one,
    /// the current one, the retiring ones), each with its state as of now,
    /// for whoever may read install-wide settings.
    pub fn signing_keys(&self, caller: &Caller) -> ServiceResult<Vec<SigningKeyInfo>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "signing key")?;
        Ok(signing_key::listed_at(&self.kw.keyring().current().keys, self.kw.now()))
    }

    /// The JWKS document (RFC 7517).
    pub fn jwks(&self) -> std::sync::Arc<str> {
        self.kw.keyring().current().jwks.clone()
    }
}

/// A fresh key pair with its private half sealed, made before the write
/// transaction begins (an RSA key takes a while), for a manual rotation or
/// the schedule's next key.
pub(super) struct GeneratedKey {
    pub kid: String,
    pub alg: jwt::JwtAlgorithm,
    sealed: Vec<u8>,
    public_jwk: String,
}

impl GeneratedKey {
    /// Generates a key whose kid starts with its creation time.
    pub(super) fn new(kw: &Keyward, alg: jwt::JwtAlgorithm, now: i64) -> Self {
        let kid = format!("{}-{}", now, keygen::base62(8));
        let generated = jwt::generate(alg, &kid);
        Self {
            sealed: kw.sealer().seal(&generated.pkcs8, &kid),
            public_jwk: generated.public_jwk.to_string(),
            kid,
            alg,
        }
    }

    /// The row that stores it, created at `now` and signing from `activates_at`.
    pub(super) fn row(&self, now: i64, activates_at: i64) -> NewSigningKey<'_> {
        NewSigningKey {
            kid: &self.kid,
            algorithm: self.alg.as_str(),
            sealed_private_key: &self.sealed,
            public_jwk: &self.public_jwk,
            created_at: now,
            activates_at,
        }
    }
}

/// Retires `kids`, which stopped signing at `at`: each stays published until
/// the last token it signed has expired (the longest access-token lifetime
/// from now, or the latest expiry of a JWT-format key it signed; for ever
/// while one of those never expires).
pub(super) async fn retire_superseded(tx: &mut Change<'_>, kids: &[String], at: i64) -> ServiceResult<()> {
    let now = tx.now;
    for kid in kids {
        let until = match store::signing_keys::jwt_keys_signed_by(&mut **tx, kid).await? {
            Some(None) => None,
            Some(Some(latest)) => Some(latest.max(now + MAX_TOKEN_TTL_SECS)),
            None => Some(now + MAX_TOKEN_TTL_SECS),
        };
        store::signing_keys::retire(&mut **tx, kid, at, until).await?;
    }
    Ok(())
}

/// Emits `signing_key.rotated` to every subscribed endpoint: `kid` signs now,
/// `retired` no longer do, and `by` says whether a person or the schedule did it.
pub(super) async fn announce_rotation(
    tx: &mut Change<'_>,
    kid: &str,
    algorithm: &str,
    retired: &[String],
    by: &str,
) -> ServiceResult<()> {
    tx.emit(
        EventType::SigningKeyRotated,
        Subject {
            account: None,
            credential: None,
        },
        json!({ "kid": kid, "algorithm": algorithm, "retired": retired, "by": by }),
        None,
    )
    .await?;
    Ok(())
}
