//! Verification on the hot path, the service half: parse the presented
//! credential (no I/O), digest it, look it up in the verifier's memory,
//! decide with [`crate::policy::decide`], take one request from its rate
//! limit, and note the use for a later batched write.

use subtle::ConstantTimeEq;

use super::{Keyward, ServiceResult};
use crate::crypto::Digest;
use crate::domain::key::{self, SecretRole};
use crate::domain::plan;
use crate::domain::rate_limit::RateLimitSetting;
use crate::domain::{CredentialKind, Scope};
use crate::policy::{CredentialFacts, RequestFacts, VerifyCode, decide};
use crate::store;
use crate::verify::index::{AccountGate, Found, Snapshot};
use crate::verify::{Presented, RateVerdict, TokenGrant, Verdict};
use crate::wire::jwt::{self as envelope, KEY_TYP, KeyClaims};
/// Verification: is this credential good for this request, answered from memory.
#[derive(Clone, Copy)]
pub struct Verification<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

/// What a signed request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignedPurpose {
    /// A call on the API below its base path, held to the rights.
    Api,
    /// `POST /v1/keys/self/rotate`: the application rotating its own secret.
    RotateSelf,
}

impl Verification<'_> {
    /// Decides whether a presented credential is good for the request.
    ///
    /// An unknown key and a wrong secret take the same path (digest, miss,
    /// one indexed SQL look-up, miss) and get the same answer, `NOT_FOUND`.
    pub async fn verify(&self, presented: Presented<'_>, facts: &RequestFacts<'_>) -> ServiceResult<Verdict> {
        let verdict = self.verify_uncounted(presented, facts).await?;
        self.kw.metrics().count_verify(verdict.code);
        if let Some(c) = &verdict.credential {
            self.kw.verifier().counts().record(c.id, self.kw.now(), verdict.code);
        }
        Ok(verdict)
    }

    async fn verify_uncounted(&self, presented: Presented<'_>, facts: &RequestFacts<'_>) -> ServiceResult<Verdict> {
        if let Presented::Signed(signed) = presented {
            return self.verify_signed(signed, facts, SignedPurpose::Api).await;
        }
        if let Presented::Key { key, .. } = presented
            && envelope::looks_like_jwt(key)
        {
            return self.verify_jwt(presented, key, facts).await;
        }
        let base = &self.kw.config().key_prefix;
        let (secret, expected_role, client_id) = match presented {
            Presented::Key { key, .. } => (key, SecretRole::ApiKey, None),
            Presented::Basic { id, secret } | Presented::ClientPair { id, secret } => {
                (secret, SecretRole::ClientSecret, Some(id))
            }
            Presented::Signed(_) => return Ok(Verdict::bare(VerifyCode::Malformed)),
        };
        let shape_ok = key::parse(secret, base).is_ok_and(|k| k.role == expected_role)
            && client_id.is_none_or(|id| key::parse(id, base).is_ok_and(|k| k.role == SecretRole::ClientId));
        if !shape_ok {
            return Ok(Verdict::bare(VerifyCode::Malformed));
        }
        self.verify_secret(presented, secret, facts).await
    }

    /// A bearer JWT: an access token (checked by signature, expiry and the
    /// denylist, all in memory) or a JWT-format key (checked by signature, then
    /// like any key by its keyed hash).
    async fn verify_jwt(
        &self,
        presented: Presented<'_>,
        token: &str,
        facts: &RequestFacts<'_>,
    ) -> ServiceResult<Verdict> {
        let Ok(header) = envelope::peek_header(token) else {
            return Ok(Verdict::bare(VerifyCode::Malformed));
        };
        if header
            .kid
            .as_deref()
            .is_some_and(|k| !self.kw.keyring().current().verifiers.contains_key(k))
        {
            // A key rotated by the CLI a moment ago: reload once, then decide.
            self.kw.oauth().refresh_keyring_if_changed().await?;
        }
        if header.typ.as_deref() == Some(KEY_TYP) {
            let ring = self.kw.keyring().current();
            let now = self.kw.now();
            let signed = header
                .kid
                .as_deref()
                .and_then(|k| ring.verifiers.get(k))
                .and_then(|v| v.verify::<KeyClaims>(token).ok())
                .is_some_and(|claims| envelope::started(claims.nbf, now));
            if !signed {
                return Ok(Verdict::bare(VerifyCode::NotFound));
            }
            return self.verify_secret(presented, token, facts).await;
        }
        let Some(claims) = self.kw.oauth().read_access_token(token) else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        let Some((client, account)) = self.kw.verifier().client(&claims.client_id) else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        if client.kind != CredentialKind::OauthClient {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        }
        // The account's "no credentials in the query string" switch covers
        // access tokens too: a URL ends up in logs and browser history.
        if matches!(presented, Presented::Key { from_query: true, .. }) && !account.allow_query_key {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        }
        let now = self.kw.now();
        if !envelope::started(claims.nbf, now) {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        }
        let scopes: Vec<Scope> = claims
            .scope
            .split(' ')
            .filter_map(|s| Scope::parse_syntax(s).ok())
            .collect();
        let revoked = self
            .kw
            .oauth()
            .denylist()
            .contains(&claims.jti)
            .then_some(claims.iat)
            .or(client.revoked_at);
        let code = decide(
            &CredentialFacts {
                account: &account.name,
                revoked_at: revoked,
                expires_at: Some(client.expires_at.map_or(claims.exp, |e| e.min(claims.exp))),
                allowed_cidrs: &client.grants.allowed_cidrs,
                rights: &client.grants.rights,
                scopes: &client.grants.scopes,
                roles: &client.grants.roles,
                token_scopes: Some(&scopes),
            },
            account.api_enabled,
            facts,
            now,
        );
        let (code, rate) = self.limit(code, &client, &account).await;
        if code.is_valid() {
            self.kw.verifier().usage().record(client.id, now, facts.ip);
        }
        Ok(Verdict {
            code,
            credential: Some(client),
            account: Some(account),
            token: Some(TokenGrant {
                jti: claims.jti,
                scopes,
                exp: claims.exp,
            }),
            rate,
            consumer: None,
            previous_secret: false,
        })
    }

    /// The keyed-hash path every secret takes: digest, look-up, kind check, decision.
    async fn verify_secret(
        &self,
        presented: Presented<'_>,
        secret: &str,
        facts: &RequestFacts<'_>,
    ) -> ServiceResult<Verdict> {
        let verifier = self.kw.verifier();
        let digest = verifier.digest(secret);
        let found = match verifier.lookup(&digest) {
            Some(f) => Some(f),
            None => self.load_from_store(&digest).await?,
        };
        let now = self.kw.now();
        let Some(found) = found.filter(|f| f.retires_at.is_none_or(|t| t > now)) else {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        };
        let cred = &found.credential;
        let kind_ok = match presented {
            Presented::Key { .. } => cred.kind == CredentialKind::ApiKey,
            Presented::Basic { id, .. } => cred.kind == CredentialKind::Basic && same_id(cred.client_id.as_deref(), id),
            Presented::ClientPair { id, .. } => {
                !matches!(cred.kind, CredentialKind::ApiKey | CredentialKind::Application)
                    && same_id(cred.client_id.as_deref(), id)
            }
            Presented::Signed(_) => false,
        };
        if !kind_ok {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        }
        if matches!(presented, Presented::Key { from_query: true, .. }) && !found.account.allow_query_key {
            return Ok(Verdict::bare(VerifyCode::NotFound));
        }
        let code = decide(
            &CredentialFacts {
                account: &found.account.name,
                revoked_at: cred.revoked_at,
                expires_at: cred.expires_at,
                allowed_cidrs: &cred.grants.allowed_cidrs,
                rights: &cred.grants.rights,
                scopes: &cred.grants.scopes,
                roles: &cred.grants.roles,
                token_scopes: None,
            },
            found.account.api_enabled,
            facts,
            now,
        );
        let (code, rate) = self.limit(code, cred, &found.account).await;
        if code.is_valid() {
            verifier.usage().record(cred.id, now, facts.ip);
            if found.retires_at.is_some() {
                verifier.previous_usage().record(cred.id, now, facts.ip);
            }
        }
        Ok(Verdict {
            code,
            credential: Some(found.credential),
            account: Some(found.account),
            token: None,
            rate,
            consumer: None,
            previous_secret: found.retires_at.is_some(),
        })
    }

    /// Takes one request from a valid credential's rate limit; an empty bucket
    /// turns the answer into `RATE_LIMITED`. Refused requests take nothing.
    /// With several instances on one database, the credential's shared budget
    /// must have a token too (see `rate_slices.rs`).
    pub(super) async fn limit(
        &self,
        code: VerifyCode,
        cred: &Snapshot,
        account: &AccountGate,
    ) -> (VerifyCode, Option<RateVerdict>) {
        if !code.is_valid() {
            return (code, None);
        }
        match plan::effective(account.plan, account.rate_limit, cred.rate_limit) {
            (RateLimitSetting::Unlimited, _) => (code, None),
            (RateLimitSetting::Limited(limit), policy) => {
                let now_ms = self.kw.now_ms();
                let mut decision = self.kw.rate_limiter().check(cred.id, limit, now_ms);
                if decision.allowed && !self.kw.shared_limits().take(cred.id, limit, now_ms).await {
                    decision = decision.refused_elsewhere(limit);
                }
                let code = if decision.allowed {
                    code
                } else {
                    VerifyCode::RateLimited
                };
                (code, Some(RateVerdict { decision, policy }))
            }
        }
    }

    /// The cache-miss path: one indexed look-up by digest; a hit is added to memory.
    async fn load_from_store(&self, digest: &Digest) -> ServiceResult<Option<Found>> {
        let Some(secret) = store::credentials::find_secret(self.kw.store().pool(), digest).await? else {
            return Ok(None);
        };
        self.refresh_credential(secret.credential_id).await?;
        Ok(self.kw.verifier().lookup(digest))
    }

    /// Reloads one credential (and its account) from the database into
    /// memory, reading the row and its secrets in one snapshot so they agree.
    pub(crate) async fn refresh_credential(&self, id: i64) -> ServiceResult<()> {
        let mut tx = self.kw.store().snapshot().await?;
        let Some(row) = store::credentials::find(&mut *tx, id).await? else {
            return Ok(());
        };
        let secrets = store::credentials::secrets_of(&mut *tx, id).await?;
        let consumers = store::consumer_keys::of_credential(&mut *tx, id).await?;
        let mut accounts = vec![row.account_id];
        accounts.extend(consumers.iter().map(|k| k.account_id));
        accounts.sort_unstable();
        accounts.dedup();
        let mut gates = Vec::with_capacity(accounts.len());
        for account in accounts {
            gates.extend(store::accounts::find(&mut *tx, account).await?);
        }
        drop(tx);
        for account in &gates {
            self.kw.verifier().put_account(AccountGate::from(account));
        }
        self.kw
            .verifier()
            .put_credential(Snapshot::try_from(&row)?, &secrets, &consumers);
        Ok(())
    }
}

fn same_id(own: Option<&str>, presented: &str) -> bool {
    own.is_some_and(|own| bool::from(own.as_bytes().ct_eq(presented.as_bytes())))
}
