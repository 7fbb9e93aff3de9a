//! Verification of an application's signed request: the timestamp window,
//! the application and consumer key from memory, the signature over what the
//! client sent, the replay check, then the same decision, rate limit and
//! usage as every other credential. Rights match the path below the API base.

use sha2::{Digest as _, Sha256};
use std::sync::Arc;

use super::ServiceResult;
use super::verification::{SignedPurpose, Verification};
use crate::crypto::request_signature::{self, SignedParts};
use crate::domain::application::SIGNATURE_WINDOW_SECS;
use crate::domain::key::{self, SecretRole};
use crate::domain::{CredentialKind, cidr, right};
use crate::policy::{CredentialFacts, RequestFacts, VerifyCode, decide};
use crate::store;
use crate::verify::{SignedRequest, Verdict};

impl Verification<'_> {
    /// Checks a signed request to `POST /v1/keys/self/rotate`: the same
    /// checks as any signed request, but no rights (rotating itself is not a
    /// call on the API) and no API base. The URL is the one the server was
    /// called at, so a signature made for another call does not fit.
    pub async fn verify_signed_self_rotation(
        &self,
        s: &SignedRequest<'_>,
        facts: &RequestFacts<'_>,
    ) -> ServiceResult<Verdict> {
        let verdict = self.verify_signed(s, facts, SignedPurpose::RotateSelf).await?;
        self.kw.metrics().count_verify(verdict.code);
        Ok(verdict)
    }

    /// Decides a signed request. An unknown application, an unknown consumer
    /// key, a pending one and a wrong signature all answer `NOT_FOUND`.
    pub(super) async fn verify_signed(
        &self,
        s: &SignedRequest<'_>,
        facts: &RequestFacts<'_>,
        purpose: SignedPurpose,
    ) -> ServiceResult<Verdict> {
        let base = &self.kw.config().key_prefix;
        let shaped = key::parse(s.application, base).is_ok_and(|k| k.role == SecretRole::ClientId)
            && key::parse(s.consumer, base).is_ok_and(|k| k.role == SecretRole::ConsumerKey)
            && s.signature.trim().len() == 43;
        let Ok(timestamp) = s.timestamp.trim().parse::<i64>() else {
            return Ok(Verdict::bare(VerifyCode::Malformed));
        };
        if !shaped {
            return Ok(Verdict::bare(VerifyCode::Malformed));
        }
        let now = self.kw.now();
        if (now - timestamp).abs() > SIGNATURE_WINDOW_SECS {
            return Ok(Verdict::bare(VerifyCode::StaleSignature));
        }
        let verifier = self.kw.verifier();
        let digest = verifier.digest(s.consumer);
        let found = match verifier.consumer(&digest) {
            Some(f) => Some(f),
            None => match store::consumer_keys::credential_of_digest(self.kw.store().pool(), &digest).await? {
                Some(id) => {
                    self.refresh_credential(id).await?;
                    verifier.consumer(&digest)
                }
                None => None,
            },
        };
        let Some((consumer, account)) = found.filter(|(c, _)| c.active) else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        let Some((app, app_account)) = verifier
            .client(s.application)
            .filter(|(app, _)| app.id == consumer.credential_id && app.kind == CredentialKind::Application)
        else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        let parts = SignedParts {
            method: s.method,
            url: s.url,
            body: s.body,
            timestamp: s.timestamp,
        };
        // The current secret, then, during a grace period, the previous one.
        let context = format!("application-secret:{}", app.public_id);
        let previous = app
            .previous_app_secret
            .as_ref()
            .filter(|(_, until)| *until > now)
            .map(|(sealed, _)| sealed);
        let signed_by = |sealed: &Arc<[u8]>| {
            self.kw
                .sealer()
                .open(sealed, &context)
                .ok()
                .and_then(|plain| String::from_utf8(plain).ok())
                .is_some_and(|secret| request_signature::matches(&secret, s.consumer, &parts, s.signature))
        };
        let by_previous = if app.app_secret.as_ref().is_some_and(signed_by) {
            false
        } else if previous.is_some_and(signed_by) {
            true
        } else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        if !self
            .first_sighting(s.signature, timestamp + SIGNATURE_WINDOW_SECS, now)
            .await?
        {
            return Ok(Verdict::bare(VerifyCode::StaleSignature));
        }
        let below = self.kw.config().application_base_path.below(s.url);
        let facts = match purpose {
            SignedPurpose::Api => RequestFacts {
                method: Some(s.method),
                path: below,
                ..*facts
            },
            // Rotating itself is no call on the API: its rights do not apply
            // (as for a Bearer key rotating itself), everything else does.
            SignedPurpose::RotateSelf => RequestFacts {
                method: None,
                path: None,
                ..*facts
            },
        };
        let revoked_at = match (app.revoked_at, consumer.revoked_at) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        let expires_at = match (app.expires_at, consumer.expires_at) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        let mut code = decide(
            &CredentialFacts {
                account: &account.name,
                revoked_at,
                expires_at,
                allowed_cidrs: &app.grants.allowed_cidrs,
                rights: &consumer.rights,
                scopes: &app.grants.scopes,
                roles: &[],
                token_scopes: None,
            },
            account.api_enabled && app_account.api_enabled,
            &facts,
            now,
        );
        if code.is_valid() && !cidr::allowed(&consumer.allowed_cidrs, facts.ip) {
            code = VerifyCode::IpNotAllowed;
        }
        // A path outside the API base, or one the application's own rights
        // (narrowed after the consumer key was granted) no longer cover.
        let api_call = purpose == SignedPurpose::Api;
        if code.is_valid()
            && api_call
            && (below.is_none() || !right::allowed(&app.grants.rights, facts.method, facts.path))
        {
            code = VerifyCode::ForbiddenRight;
        }
        let (code, rate) = self.limit(code, &app, &app_account).await;
        if code.is_valid() {
            verifier.usage().record(app.id, now, facts.ip);
            verifier.consumer_usage().record(consumer.id, now, facts.ip);
        }
        Ok(Verdict {
            code,
            credential: Some(app),
            account: Some(account),
            token: None,
            rate,
            consumer: Some(consumer),
            previous_secret: by_previous,
        })
    }

    /// Forgets shared signatures whose window has closed (PostgreSQL only).
    pub async fn prune_seen_signatures(&self) -> ServiceResult<u64> {
        if !self.kw.store().is_shared() {
            return Ok(0);
        }
        Ok(store::seen_signatures::prune(self.kw.store().pool(), self.kw.now()).await?)
    }

    /// Whether this signature is new within its window: in memory, and on a
    /// shared database in the table every instance writes.
    async fn first_sighting(&self, signature: &str, until: i64, now: i64) -> ServiceResult<bool> {
        let hashed: [u8; 32] = Sha256::digest(signature.trim().as_bytes()).into();
        let mut short = [0u8; 20];
        short.copy_from_slice(&hashed[..20]);
        if !self.kw.verifier().seen_signatures().first_sighting(short, until, now) {
            return Ok(false);
        }
        if !self.kw.store().is_shared() {
            return Ok(true);
        }
        Ok(store::seen_signatures::first_sighting(self.kw.store().pool(), &short, until, now).await?)
    }
}
