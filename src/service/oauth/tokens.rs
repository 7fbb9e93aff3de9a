//! Access tokens after issuance: checking one (signature, type, issuer,
//! audience, from memory), introspection (RFC 7662) and revocation
//! (RFC 7009), both asked of the authorization module with the token's
//! account as the target.

use serde::{Deserialize, Serialize};
use serde_json::json;

use std::sync::Arc;

use super::OAuth;
use crate::authz::{AccountRef, Action, Grant, Lifetime, Target};
use crate::domain::Scope;
use crate::oauth::Denylist;
use crate::service::change::Change;
use crate::service::credentials::grant_of;
use crate::service::{Caller, ServiceResult};
use crate::store;
use crate::store::credentials::Grants;
use crate::verify::index::AccountGate;
use crate::wire::jwt::{self as envelope, ACCESS_TOKEN_TYP, AccessClaims};

/// An introspection answer (RFC 7662 §2.2): the claims of an active token, or
/// only `active: false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub claims: Option<IntrospectedClaims>,
}

/// The claims an active token reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectedClaims {
    pub scope: String,
    pub client_id: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    pub token_type: String,
    pub account: String,
}

impl<'a> OAuth<'a> {
    /// Checks an access token's signature (the key pinned by `kid`), type,
    /// issuer and audience, without a database read; a token seen before is
    /// answered from the ring's cache. Expiry and the denylist are the caller's.
    pub fn read_access_token(&self, token: &str) -> Option<AccessClaims> {
        let ring = self.kw.keyring().current();
        if let Some(claims) = ring.verified.get(token) {
            return Some(claims);
        }
        let claims = self.check_access_token(&ring, token)?;
        ring.verified.insert(token, &claims);
        Some(claims)
    }

    /// The full check behind [`Keyward::read_access_token`], without the cache.
    fn check_access_token(&self, ring: &crate::oauth::keyring::Ring, token: &str) -> Option<AccessClaims> {
        let header = envelope::peek_header(token).ok()?;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP) || t.eq_ignore_ascii_case("application/at+jwt"))
        {
            return None;
        }
        let verifier = ring.verifiers.get(header.kid.as_deref()?)?;
        let claims: AccessClaims = verifier.verify(token).ok()?;
        if self.issuer() != Some(claims.iss.as_str()) {
            return None;
        }
        if claims.aud != self.kw.config().token_audience {
            return None;
        }
        Some(claims)
    }

    /// A token's claims if it is live now: unexpired, started (`nbf`), not
    /// revoked, and its client still working.
    fn live_token(&self, token: &str) -> Option<AccessClaims> {
        let now = self.kw.now();
        self.read_access_token(token).filter(|c| {
            c.exp > now
                && envelope::started(c.nbf, now)
                && !self.denylist().contains(&c.jti)
                && self
                    .kw
                    .verifier()
                    .client(&c.client_id)
                    .is_some_and(|(client, _)| client.revoked_at.is_none() && client.expires_at.is_none_or(|e| e > now))
        })
    }

    /// The token's client and what the token grants, for the authorization module.
    fn token_grant(&self, claims: &AccessClaims) -> Option<(i64, Grant, Arc<AccountGate>)> {
        let (client, account) = self.kw.verifier().client(&claims.client_id)?;
        let scopes: Vec<Scope> = claims
            .scope
            .split(' ')
            .filter_map(|s| Scope::parse_syntax(s).ok())
            .collect();
        let grants = Grants {
            scopes,
            ..client.grants.clone()
        };
        let lifetime = Lifetime {
            expires_at: Some(claims.exp),
            auto_renew: false,
        };
        let grant = grant_of(
            &account.name,
            account.plan,
            account.rate_limit,
            &grants,
            client.rate_limit,
            lifetime,
        );
        Some((client.id, grant, account))
    }

    /// RFC 7662: the claims of a live access token the caller may see, or
    /// only `active: false` (also for a token of an account out of its reach).
    pub fn introspect(&self, caller: &Caller, token: &str) -> Introspection {
        let inactive = Introspection {
            active: false,
            claims: None,
        };
        let Some(c) = self.live_token(token) else {
            return inactive;
        };
        let Some((_, _, account)) = self.token_grant(&c) else {
            return inactive;
        };
        let target = Target::Account(AccountRef {
            id: account.id,
            name: &account.name,
        });
        if !caller.allows(Action::Introspect, target) {
            return inactive;
        }
        Introspection {
            active: true,
            claims: Some(IntrospectedClaims {
                scope: c.scope,
                client_id: c.client_id,
                sub: c.sub,
                exp: c.exp,
                iat: c.iat,
                iss: c.iss,
                aud: c.aud,
                jti: c.jti,
                token_type: "Bearer".into(),
                account: c.account,
            }),
        }
    }

    /// RFC 7009: revokes an access token until it expires. A client may revoke
    /// its own tokens; a management credential those it could have issued
    /// itself (the grant rule). Anything else is ignored without a word, as
    /// the RFC asks.
    pub async fn revoke_token(&self, caller: &Caller, token: &str) -> ServiceResult<()> {
        let now = self.kw.now();
        let Some(claims) = self.read_access_token(token).filter(|c| c.exp > now) else {
            return Ok(());
        };
        let Some((client, grant, account)) = self.token_grant(&claims) else {
            return Ok(());
        };
        let target = Target::Account(AccountRef {
            id: account.id,
            name: &account.name,
        });
        if !caller.allows(Action::RevokeToken { client, grant: &grant }, target) {
            return Ok(());
        }
        let mut tx = Change::begin(self.kw, caller).await?;
        store::signing_keys::revoke_token(&mut *tx, &claims.jti, claims.exp).await?;
        tx.audit(
            "token.revoked",
            Some(format!("client:{}", claims.client_id)),
            Some(account.id),
            json!({ "jti": claims.jti, "exp": claims.exp }),
        )
        .await?;
        tx.touches_revoked_token(&claims.jti, claims.exp);
        tx.commit().await
    }

    /// Forgets revoked tokens that have expired anyway, in memory and on disk.
    pub async fn prune_revoked_tokens(&self) -> ServiceResult<u64> {
        let now = self.kw.now();
        self.denylist().prune(now);
        Ok(store::signing_keys::prune_revoked(self.kw.store().pool(), now).await?)
    }

    /// The revoked-token denylist.
    pub fn denylist(&self) -> &'a Denylist {
        &self.kw.denylist
    }
}
