//! Two-factor sign-in managed from the console: a user's own enrolment and
//! its removal, a Global Admin's reset of someone else's, and the policy.
//! The sign-in step that asks for a code is in `second_step.rs`.

use serde_json::json;

use crate::authz::{self, Action, Target};
use crate::crypto::totp::TotpKey;
use crate::crypto::{Digest, recovery_codes};
use crate::domain::two_factor::{Enrolment, TwoFactorPolicy, TwoFactorStatus};
use crate::domain::{Principal, UserId, ValidationError};
use crate::service::change::Change;
use crate::service::{Actor, Caller, Keyward, RequestMeta, ServiceError, ServiceResult};
use crate::store::{self, StoreError};

/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "Keyward";

/// Two-factor enrolment, removal, reset and policy.
#[derive(Clone, Copy)]
pub struct TwoFactor<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

/// What a wrong, stale or reused code gets: the same answer for each, so
/// the reply does not tell a guesser which it was.
pub(super) fn wrong_code() -> ServiceError {
    ValidationError::new(
        "code",
        "is not right, or was already used. Enter the current code from your app.",
    )
    .into()
}

/// The context a user's sealed TOTP key is bound to: it cannot be moved to another user's row.
pub(super) fn seal_context(user_id: UserId) -> String {
    format!("user:{user_id}")
}

impl TwoFactor<'_> {
    /// The install's policy; nobody is bound until a Global Admin chooses otherwise.
    pub async fn policy(&self) -> ServiceResult<TwoFactorPolicy> {
        let stored = store::instance::get(self.kw.store.pool(), store::two_factor::POLICY_SETTING).await?;
        Ok(match stored {
            None => TwoFactorPolicy::Nobody,
            Some(s) => {
                TwoFactorPolicy::parse(&s).map_err(|_| StoreError::Corrupt(format!("two_factor_policy {s:?}")))?
            }
        })
    }

    /// Sets the policy; Global Admins only. Every instance reads it with each
    /// session check, so it applies at once everywhere.
    pub async fn set_policy(&self, caller: &Caller, policy: TwoFactorPolicy) -> ServiceResult<TwoFactorPolicy> {
        caller.authorize(Action::SetTwoFactorPolicy, Target::Install, "setting")?;
        let before = self.policy().await?;
        let mut tx = Change::begin(self.kw, caller).await?;
        store::instance::set(&mut *tx, store::two_factor::POLICY_SETTING, policy.as_str()).await?;
        tx.audit(
            "two_factor.policy_changed",
            None,
            None,
            json!({ "from": before, "to": policy }),
        )
        .await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// The signed-in user's state, for their account page.
    pub async fn status(&self, p: &Principal) -> ServiceResult<TwoFactorStatus> {
        let pool = self.kw.store.pool();
        let enrolled = store::two_factor::find(pool, p.user_id)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some());
        Ok(TwoFactorStatus {
            enrolled,
            required: authz::second_factor::required(self.policy().await?, p.role),
            recovery_codes_left: if enrolled {
                store::two_factor::recovery_codes_left(pool, p.user_id).await?
            } else {
                0
            },
        })
    }

    /// Starts (or restarts) the user's enrolment with a fresh key, sealed in
    /// the database until the first code confirms it.
    pub async fn begin(&self, p: &Principal) -> ServiceResult<Enrolment> {
        let key = TotpKey::generate();
        let sealed = sealer(self.kw).seal(key.bytes(), &seal_context(p.user_id));
        let mut tx = self.kw.store.write().await?;
        if !store::two_factor::begin(&mut *tx, p.user_id, &sealed, self.kw.now()).await? {
            return Err(ServiceError::Conflict(
                "Two-factor sign-in is already on for you. Turn it off first to set up a new app.".into(),
            ));
        }
        tx.commit().await.map_err(StoreError::from)?;
        let uri = key.otpauth_uri(ISSUER, &p.email);
        Ok(Enrolment {
            secret: key.base32(),
            qr_svg: qr_svg(&uri)?,
        })
    }

    /// Confirms the enrolment with its first code and answers the ten
    /// recovery codes, which are shown this once and stored as digests.
    pub async fn confirm(&self, p: &Principal, code: &str, meta: &RequestMeta) -> ServiceResult<Vec<String>> {
        let now = self.kw.now();
        let row = store::two_factor::find(self.kw.store.pool(), p.user_id)
            .await?
            .ok_or(ServiceError::NotFound("enrolment"))?;
        if row.confirmed_at.is_some() {
            return Err(ServiceError::Conflict(
                "Two-factor sign-in is already on for you.".into(),
            ));
        }
        let key = self.open_key(p.user_id, &row.secret_sealed)?;
        let actor = Actor::user(p, meta.ip.clone());
        let Some(step) = key.accepts(code, now, row.last_step) else {
            self.audit_wrong_code(&actor, p.user_id, "enrolment").await?;
            return Err(wrong_code());
        };
        let codes = recovery_codes::generate();
        let hashes: Vec<Digest> = codes.iter().map(|c| recovery_digest(self.kw, p.user_id, c)).collect();
        let mut tx = Change::begin_as(self.kw, actor).await?;
        if !store::two_factor::accept_step(&mut *tx, p.user_id, step, now).await? {
            return Err(wrong_code());
        }
        store::two_factor::replace_recovery_codes(&mut tx, p.user_id, &hashes).await?;
        tx.audit(
            "two_factor.enrolled",
            Some(format!("user:{}", p.user_id)),
            None,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Turns the user's own second factor off, with a current code; refused
    /// where the policy requires one of them.
    pub async fn remove_own(&self, p: &Principal, code: &str, meta: &RequestMeta) -> ServiceResult<()> {
        if !authz::second_factor::may_remove_own(self.policy().await?, p.role) {
            return Err(ServiceError::rule(
                "SECOND_FACTOR_REQUIRED",
                "Your administrator requires two-factor sign-in, so it cannot be turned off.",
            ));
        }
        let now = self.kw.now();
        let row = store::two_factor::find(self.kw.store.pool(), p.user_id)
            .await?
            .filter(|f| f.confirmed_at.is_some())
            .ok_or(ServiceError::NotFound("second factor"))?;
        let key = self.open_key(p.user_id, &row.secret_sealed)?;
        let actor = Actor::user(p, meta.ip.clone());
        let Some(step) = key.accepts(code, now, row.last_step) else {
            self.audit_wrong_code(&actor, p.user_id, "removal").await?;
            return Err(wrong_code());
        };
        let mut tx = Change::begin_as(self.kw, actor).await?;
        if !store::two_factor::accept_step(&mut *tx, p.user_id, step, now).await? {
            return Err(wrong_code());
        }
        store::two_factor::delete(&mut tx, p.user_id).await?;
        tx.audit(
            "two_factor.removed",
            Some(format!("user:{}", p.user_id)),
            None,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Which users have a second factor; for those who may see the users list.
    pub async fn enrolled_users(&self, caller: &Caller) -> ServiceResult<Vec<UserId>> {
        caller.authorize(
            Action::Use(crate::authz::Area::Admin, crate::authz::Access::Read),
            Target::Install,
            "user",
        )?;
        Ok(store::two_factor::enrolled_users(self.kw.store.pool()).await?)
    }

    /// Removes another user's second factor (a lost phone) and ends their
    /// sessions, so they sign in again and enrol anew; Global Admins only.
    pub async fn reset(&self, caller: &Caller, user_id: UserId) -> ServiceResult<()> {
        caller.authorize(Action::ResetSecondFactor, Target::Install, "user")?;
        let mut tx = Change::begin(self.kw, caller).await?;
        let user = store::users::find(&mut *tx, user_id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        if !store::two_factor::delete(&mut tx, user_id).await? {
            return Err(ServiceError::rule(
                "NO_SECOND_FACTOR",
                format!("{} has no second factor to reset.", user.email),
            ));
        }
        store::sessions::delete_for_user(&mut *tx, user_id).await?;
        store::two_factor::delete_pending_for_user(&mut *tx, user_id).await?;
        tx.audit(
            "two_factor.reset",
            Some(format!("user:{user_id}")),
            None,
            json!({ "email": user.email }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a stored key; a row that will not open is damage, not user error.
    pub(super) fn open_key(&self, user_id: UserId, sealed: &[u8]) -> ServiceResult<TotpKey> {
        let bytes = sealer(self.kw)
            .open(sealed, &seal_context(user_id))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        TotpKey::from_bytes(&bytes).ok_or_else(|| StoreError::Corrupt("a TOTP key is not 20 bytes".into()).into())
    }

    /// Audits a wrong code (never the code itself), outside any transaction:
    /// the refusal is recorded even though nothing changes.
    pub(super) async fn audit_wrong_code(&self, actor: &Actor, user_id: UserId, during: &str) -> ServiceResult<()> {
        crate::service::audit::record(
            self.kw.store.pool(),
            self.kw.now(),
            actor,
            "two_factor.code_failed",
            Some(format!("user:{user_id}")),
            None,
            json!({ "during": during }),
        )
        .await
    }
}

/// Seals and opens TOTP keys, under a key derived for that purpose alone.
fn sealer(kw: &Keyward) -> crate::crypto::sealed::Sealer {
    crate::crypto::sealed::Sealer::new(&kw.keys.second_factor)
}

/// The stored form of a recovery code: HMAC under its own derived key, of the
/// user and the normalised code (so one user's code is nothing for another).
pub(super) fn recovery_digest(kw: &Keyward, user_id: UserId, code: &str) -> Digest {
    let normal = crate::domain::two_factor::normalize_recovery_code(code).unwrap_or_default();
    kw.keys.recovery.digest(format!("{user_id}:{normal}").as_bytes())
}

/// The `otpauth://` URI as an inline SVG QR code, drawn here: the key never
/// leaves the server for a QR service. Dark on light whatever the theme, as
/// scanners expect.
fn qr_svg(uri: &str) -> ServiceResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| StoreError::Corrupt(format!("QR code: {e}")))?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#18181b"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML, so without the XML declaration.
    Ok(match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => svg,
    })
}
