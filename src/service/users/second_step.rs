//! The second step of signing in: after a right password, a user with a
//! second factor gets no session but a pending sign-in (its own short-lived
//! cookie, stored only as an HMAC like sessions), which a current TOTP code
//! or an unused recovery code turns into a session.

use serde_json::json;

use super::two_factor::{TwoFactor, recovery_digest, wrong_code};
use crate::crypto::random;
use crate::domain::UserId;
use crate::domain::two_factor::normalize_recovery_code;
use crate::service::change::Change;
use crate::service::{Actor, RequestMeta, ServiceError, ServiceResult, Sessions};
use crate::store;

/// How long a right password waits for its second factor.
pub const PENDING_SECS: i64 = 5 * 60;

/// A sign-in that waits for its second factor: the token goes into its own cookie, once.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub token: String,
    /// The cookie's `Max-Age`.
    pub max_age_secs: i64,
}

/// Where a right password leads.
#[derive(Debug, Clone)]
pub enum SignInStep {
    /// Signed in.
    Signed(super::NewSession),
    /// The user has a second factor: ask for a code.
    SecondFactor(PendingSignIn),
}

/// Which second factor completed a sign-in.
enum Proof {
    Totp { step: i64 },
    RecoveryCode(crate::crypto::Digest),
}

impl Sessions<'_> {
    /// Stores a pending sign-in for `user_id`, the password having been right.
    pub(super) async fn start_pending(&self, user_id: UserId, now: i64) -> ServiceResult<PendingSignIn> {
        let token = random::token();
        let digest = self.kw.keys.pending_sign_in.digest(token.as_bytes());
        store::two_factor::insert_pending(self.kw.store.pool(), &digest, user_id, now + PENDING_SECS).await?;
        Ok(PendingSignIn {
            token,
            max_age_secs: PENDING_SECS,
        })
    }

    /// Completes a pending sign-in with a TOTP code or a recovery code.
    /// Wrong codes count against the same throttles as wrong passwords (per
    /// e-mail and per IP); a TOTP code is accepted once, and a recovery code
    /// is used up.
    pub async fn complete_second_step(
        &self,
        pending_token: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<super::NewSession> {
        let now = self.kw.now();
        let digest = self.kw.keys.pending_sign_in.digest(pending_token.as_bytes());
        let pool = self.kw.store.pool();
        let user_id = store::two_factor::find_pending(pool, &digest, now)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let user = store::users::find(pool, user_id)
            .await?
            .filter(|u| u.disabled_at.is_none())
            .ok_or(ServiceError::Unauthenticated)?;
        let throttled = |retry_after| ServiceError::Throttled { retry_after };
        let by_email = self.kw.login_by_email.reserve(&user.email, now).map_err(throttled)?;
        let by_ip = self
            .kw
            .login_by_ip
            .reserve(meta.ip.as_deref().unwrap_or_default(), now)
            .map_err(throttled)?;

        let factors = TwoFactor { kw: self.kw };
        let actor = Actor {
            kind: crate::domain::ActorKind::User,
            id: Some(user.id),
            label: user.email.clone(),
            ip: meta.ip.clone(),
        };
        let proof = match store::two_factor::find(pool, user_id).await? {
            Some(row) if row.confirmed_at.is_some() => {
                if normalize_recovery_code(code).is_some() {
                    Some(Proof::RecoveryCode(recovery_digest(self.kw, user_id, code)))
                } else {
                    let key = factors.open_key(user_id, &row.secret_sealed)?;
                    key.accepts(code, now, row.last_step).map(|step| Proof::Totp { step })
                }
            }
            // Reset since the password was checked: start again.
            _ => return Err(ServiceError::Unauthenticated),
        };

        let mut tx = Change::begin_as(self.kw, actor.clone()).await?;
        let accepted = match &proof {
            Some(Proof::Totp { step }) => store::two_factor::accept_step(&mut *tx, user_id, *step, now).await?,
            Some(Proof::RecoveryCode(hash)) => {
                store::two_factor::use_recovery_code(&mut *tx, user_id, hash, now).await?
            }
            None => false,
        };
        if !accepted {
            drop(tx);
            by_email.failed(now);
            by_ip.failed(now);
            factors.audit_wrong_code(&actor, user_id, "sign_in").await?;
            return Err(wrong_code());
        }
        if !store::two_factor::delete_pending(&mut *tx, &digest).await? {
            return Err(ServiceError::Unauthenticated);
        }
        store::users::touch_sign_in(&mut *tx, user_id, now).await?;
        let method = match proof {
            Some(Proof::RecoveryCode(_)) => {
                let left = store::two_factor::recovery_codes_left(&mut *tx, user_id).await?;
                tx.audit(
                    "two_factor.recovery_code_used",
                    Some(format!("user:{user_id}")),
                    None,
                    json!({ "left": left }),
                )
                .await?;
                "recovery_code"
            }
            _ => "totp",
        };
        tx.audit(
            "session.sign_in",
            Some(format!("user:{user_id}")),
            None,
            json!({ "second_factor": method }),
        )
        .await?;
        let session = self.start_session(&mut tx, user_id, meta, now).await?;
        tx.commit().await?;
        by_email.succeeded();
        drop(by_ip);
        Ok(session)
    }
}
