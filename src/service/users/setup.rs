//! First run: the one-time `/setup?token=…` link that creates the first Global Admin.

use serde_json::json;

use super::Users;
use crate::crypto::random;
use crate::domain::{Email, Password, Role};
use crate::service::{Actor, NewSession, RequestMeta, ServiceError, ServiceResult};
use crate::store;

/// How long a printed setup link stays valid.
pub const SETUP_LINK_TTL_SECS: i64 = 24 * 60 * 60;

impl Users<'_> {
    /// With no users yet, issues a fresh setup token (replacing any older
    /// unused one) and returns it for the log. With users, returns `None`.
    pub async fn issue_setup_token(&self) -> ServiceResult<Option<String>> {
        let mut tx = self.kw.store.write().await?;
        if store::users::count(&mut *tx).await? > 0 {
            return Ok(None);
        }
        let token = random::token();
        store::setup::replace(&mut tx, &self.kw.keys.setup.digest(token.as_bytes()), self.kw.now()).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(Some(token))
    }

    /// Whether the install still waits for its first admin.
    pub async fn needs_setup(&self) -> ServiceResult<bool> {
        Ok(store::users::count(self.kw.store.pool()).await? == 0)
    }

    /// Creates the first Global Admin with a valid, unused setup token and
    /// signs them in. Refused once any user exists or the token was used.
    ///
    /// Both are checked with cheap reads before the password is hashed, so the
    /// endpoint costs an attacker's request no argon2 work once setup is done
    /// or without the link; the transaction checks them again for real.
    pub async fn complete_setup(
        &self,
        token: &str,
        email: &str,
        password_text: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<NewSession> {
        let now = self.kw.now();
        let closed = || {
            ServiceError::rule(
                "SETUP_CLOSED",
                "This setup link is invalid, expired or already used. Restart Keyward with no users to get a new one, or sign in.",
            )
        };
        let digest = self.kw.keys.setup.digest(token.as_bytes());
        if !self.needs_setup().await?
            || !store::setup::is_open(self.kw.store.pool(), &digest, now - SETUP_LINK_TTL_SECS).await?
        {
            return Err(closed());
        }
        let email = Email::parse(email)?;
        let password = Password::parse(password_text)?;
        let hash = self.kw.passwords.hash(&password).await?;

        let mut tx = self.kw.store.write().await?;
        // The write comes first so that a concurrent attempt waits for this one
        // and then finds the link used.
        if !store::setup::consume(&mut *tx, &digest, now - SETUP_LINK_TTL_SECS, now).await? {
            return Err(closed());
        }
        if store::users::count(&mut *tx).await? > 0 {
            return Err(closed());
        }
        let id = store::users::insert(&mut *tx, email.as_str(), &hash, Role::GlobalAdmin, false, now).await?;
        let actor = Actor {
            kind: crate::domain::ActorKind::User,
            id: Some(id),
            label: email.to_string(),
            ip: meta.ip.clone(),
        };
        crate::service::audit::record(
            &mut *tx,
            now,
            &actor,
            "setup.completed",
            Some(format!("user:{id}")),
            None,
            json!({ "email": email.as_str(), "role": Role::GlobalAdmin }),
        )
        .await?;
        let session = self.kw.sessions().start_session(&mut tx, id, meta, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(session)
    }
}
