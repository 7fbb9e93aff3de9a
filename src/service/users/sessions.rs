//! Console sign-in, sessions and sign-out.
//!
//! The cookie carries a random 256-bit token; the database keeps only its HMAC,
//! so a copy of the database cannot be replayed as a session.

use serde_json::json;

use super::SignInStep;
use crate::authz;
use crate::crypto::random;
use crate::domain::two_factor::TwoFactorPolicy;
use crate::domain::{Email, Principal, Role, UserId};
use crate::service::{Actor, Keyward, RequestMeta, ServiceError, ServiceResult};
use crate::store::{self, StoreError};

/// `last_seen_at` is written at most this often per session, so browsing the
/// console is not a stream of writes.
const TOUCH_EVERY_SECS: i64 = 60;

/// The refusal a session gets while the two-factor policy keeps it to enrolment.
pub fn enrolment_required() -> ServiceError {
    ServiceError::rule(
        "SECOND_FACTOR_REQUIRED",
        "Set up two-factor sign-in to continue: your administrator requires it.",
    )
}

/// A session that was just created: the token goes into the cookie, once.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub principal: Principal,
    /// The cookie's `Max-Age`: the absolute timeout.
    pub max_age_secs: i64,
}
/// Console sessions: sign-in with its throttles, the session check on every request, sign-out.
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Sessions<'_> {
    /// Checks an e-mail and password and opens a session, or, for a user with
    /// a second factor, a pending sign-in that waits for a code. Failures are
    /// throttled per e-mail and per IP; an unknown e-mail and a wrong password
    /// look alike.
    ///
    /// The attempt is reserved with both throttles before the slow check, so
    /// parallel guesses cannot all pass before the first failure is counted.
    pub async fn sign_in(&self, email: &str, password_text: &str, meta: &RequestMeta) -> ServiceResult<SignInStep> {
        let now = self.kw.now();
        let email_key = email.trim().to_lowercase();
        let ip_key = meta.ip.clone().unwrap_or_default();
        let throttled = |retry_after| ServiceError::Throttled { retry_after };
        let by_email = self.kw.login_by_email.reserve(&email_key, now).map_err(throttled)?;
        let by_ip = self.kw.login_by_ip.reserve(&ip_key, now).map_err(throttled)?;

        let user = match Email::parse(email) {
            Ok(e) => store::users::find_by_email(self.kw.store.pool(), e.as_str()).await?,
            Err(_) => None,
        };
        let ok = self
            .kw
            .passwords
            .verify(user.as_ref().map(|u| u.password_hash.clone()), password_text.to_owned())
            .await?;

        let user = match user {
            Some(u) if ok => u,
            _ => {
                by_email.failed(now);
                by_ip.failed(now);
                self.audit_failed_sign_in(&email_key, meta, now).await?;
                // The password was checked, so the answer says so; the next
                // attempt learns of any lock this failure caused.
                return Err(ServiceError::BadCredentials);
            }
        };
        if user.disabled_at.is_some() {
            return Err(ServiceError::rule(
                "USER_DISABLED",
                "This user is disabled. Ask a Global Admin to enable it.",
            ));
        }
        if store::two_factor::find(self.kw.store.pool(), user.id)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some())
        {
            // Neither a success nor a failure yet: a right password must not
            // clear the code failures its e-mail has gathered.
            drop((by_email, by_ip));
            return Ok(SignInStep::SecondFactor(self.start_pending(user.id, now).await?));
        }
        by_email.succeeded();
        // The IP keeps its earlier failures (one user's success says nothing
        // about other guesses from there); this attempt was not one of them.
        drop(by_ip);

        let mut tx = self.kw.store.write().await?;
        store::users::touch_sign_in(&mut *tx, user.id, now).await?;
        let actor = Actor {
            kind: crate::domain::ActorKind::User,
            id: Some(user.id),
            label: user.email.clone(),
            ip: meta.ip.clone(),
        };
        crate::service::audit::record(
            &mut *tx,
            now,
            &actor,
            "session.sign_in",
            Some(format!("user:{}", user.id)),
            None,
            json!({}),
        )
        .await?;
        let session = self.start_session(&mut tx, user.id, meta, now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(SignInStep::Signed(session))
    }

    /// Audits a failed sign-in: the e-mail and the IP, never the password.
    async fn audit_failed_sign_in(&self, email_key: &str, meta: &RequestMeta, now: i64) -> ServiceResult<()> {
        crate::service::audit::record(
            self.kw.store.pool(),
            now,
            &Actor::anonymous(meta.ip.clone()),
            "session.sign_in_failed",
            None,
            None,
            json!({ "email": email_key }),
        )
        .await?;
        Ok(())
    }

    /// Stores a new session for `user_id` inside the caller's transaction.
    pub(super) async fn start_session(
        &self,
        tx: &mut sqlx::AnyConnection,
        user_id: UserId,
        meta: &RequestMeta,
        now: i64,
    ) -> ServiceResult<NewSession> {
        let token = random::token();
        let ua = meta.user_agent.as_deref().map(|s| &s[..s.len().min(200)]);
        store::sessions::insert(
            &mut *tx,
            &self.kw.keys.session.digest(token.as_bytes()),
            user_id,
            now,
            meta.ip.as_deref(),
            ua,
        )
        .await?;
        let row = store::users::find(&mut *tx, user_id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let granted = store::users::granted_accounts(&mut *tx, user_id).await?;
        let role = row.role()?;
        Ok(NewSession {
            token,
            principal: Principal {
                user_id,
                email: row.email,
                role,
                access: store::users::access(role, row.all_accounts, granted),
            },
            max_age_secs: self.kw.config.session_max_secs,
        })
    }

    /// Resolves a session cookie to its user, enforcing the idle and absolute
    /// timeouts and refusing disabled users, and users the two-factor policy
    /// binds who have not enrolled yet (`SECOND_FACTOR_REQUIRED`).
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Principal> {
        self.resolve(token, false).await
    }

    /// As [`authenticate`](Self::authenticate), but also for a session the
    /// policy keeps to enrolment: for enrolling and signing out only.
    pub async fn authenticate_to_enrol(&self, token: &str) -> ServiceResult<Principal> {
        self.resolve(token, true).await
    }

    async fn resolve(&self, token: &str, enrolling: bool) -> ServiceResult<Principal> {
        let now = self.kw.now();
        let digest = self.kw.keys.session.digest(token.as_bytes());
        let Some(row) = store::sessions::find(self.kw.store.pool(), &digest).await? else {
            return Err(ServiceError::Unauthenticated);
        };
        let idle = now - row.last_seen_at >= self.kw.config.session_idle_secs;
        let too_old = now - row.created_at >= self.kw.config.session_max_secs;
        if idle || too_old || row.user.disabled_at.is_some() {
            store::sessions::delete(self.kw.store.pool(), &digest).await?;
            return Err(ServiceError::Unauthenticated);
        }
        if now - row.last_seen_at >= TOUCH_EVERY_SECS {
            store::sessions::touch(self.kw.store.pool(), &digest, now).await?;
        }
        let role = row.user.role()?;
        // A policy value this build does not know binds everyone: fail closed.
        let policy = row.two_factor_policy.as_deref().map_or(TwoFactorPolicy::Nobody, |s| {
            TwoFactorPolicy::parse(s).unwrap_or(TwoFactorPolicy::Everyone)
        });
        if !enrolling && authz::second_factor::must_enrol(policy, role, row.second_factors > 0) {
            return Err(enrolment_required());
        }
        let granted = if role == Role::AccountViewer && !row.user.all_accounts {
            store::users::granted_accounts(self.kw.store.pool(), row.user.id).await?
        } else {
            Vec::new()
        };
        Ok(Principal {
            user_id: row.user.id,
            email: row.user.email,
            role,
            access: store::users::access(role, row.user.all_accounts, granted),
        })
    }

    /// Ends the session behind `token`, if any, and audits it.
    pub async fn sign_out(&self, token: &str, meta: &RequestMeta) -> ServiceResult<()> {
        let principal = self.authenticate_to_enrol(token).await.ok();
        let digest = self.kw.keys.session.digest(token.as_bytes());
        let mut tx = self.kw.store.write().await?;
        store::sessions::delete(&mut *tx, &digest).await?;
        if let Some(p) = principal {
            crate::service::audit::record(
                &mut *tx,
                self.kw.now(),
                &Actor::user(&p, meta.ip.clone()),
                "session.sign_out",
                Some(format!("user:{}", p.user_id)),
                None,
                json!({}),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Deletes sessions past their timeouts, and expired pending sign-ins;
    /// called periodically.
    pub async fn sweep(&self) -> ServiceResult<u64> {
        let now = self.kw.now();
        store::two_factor::delete_expired_pending(self.kw.store.pool(), now).await?;
        Ok(store::sessions::delete_expired(
            self.kw.store.pool(),
            now - self.kw.config.session_idle_secs,
            now - self.kw.config.session_max_secs,
        )
        .await?)
    }
}
