//! The OAuth 2.0 token endpoint's logic (client credentials), introspection,
//! revocation, and signing-key rotation.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Actor, Caller, Keyward, ServiceError, ServiceResult};
use crate::crypto::{jwt, keygen};
use crate::domain::SigningKeyInfo;
use crate::domain::credential::{DEFAULT_TOKEN_TTL_SECS, MAX_TOKEN_TTL_SECS, effective_scopes};
use crate::domain::{CredentialKind, Scope, scope};
use crate::oauth::claims::ACCESS_TOKEN_TYP;
use crate::oauth::{AccessClaims, Denylist};
use crate::policy::{RequestFacts, VerifyCode};
use crate::store;
use crate::verify::Presented;

/// How the client authenticated at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    Basic,
    Body,
    /// `?client_id=…&client_secret=…`, as CloudConnexa documents it. An
    /// account can turn this off (with query-string API keys).
    Query,
}

/// A client's id and secret, and how they were sent.
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub method: ClientAuthMethod,
    pub client_id: String,
    pub client_secret: String,
}

/// An RFC 6749 §5.2 error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    /// `basic` says whether the client used HTTP Basic (then the answer is 401
    /// with `WWW-Authenticate: Basic`).
    #[error("{description}")]
    InvalidClient { description: String, basic: bool },
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("only grant_type=client_credentials is supported")]
    UnsupportedGrantType,
    #[error("{0}")]
    InvalidScope(String),
    /// Too many failed client authentications from this client or address,
    /// or the client's rate limit is spent.
    #[error("too many requests; retry after {retry_after} seconds")]
    TemporarilyUnavailable { retry_after: i64 },
    #[error("the server could not issue a token")]
    ServerError,
}

impl OAuthError {
    /// The `error` value.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient { .. } => "invalid_client",
            OAuthError::UnauthorizedClient(_) => "unauthorized_client",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::TemporarilyUnavailable { .. } => "temporarily_unavailable",
            OAuthError::ServerError => "server_error",
        }
    }
}

impl From<ServiceError> for OAuthError {
    fn from(e: ServiceError) -> Self {
        tracing::error!(error = %e, "token endpoint failed");
        OAuthError::ServerError
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

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

/// Space-separated scopes, as OAuth writes them.
fn scope_string(scopes: &[Scope]) -> String {
    scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

impl Keyward {
    /// Issues an access token to a client (RFC 6749 §4.4). `issuer` is the base
    /// URL the request reached (the public URL wins when configured).
    pub async fn issue_token(
        &self,
        grant_type: Option<&str>,
        requested_scope: Option<&str>,
        auth: ClientAuth,
        ip: Option<std::net::IpAddr>,
        issuer: &str,
    ) -> Result<TokenResponse, OAuthError> {
        match grant_type {
            None | Some("") => return Err(OAuthError::InvalidRequest("grant_type is required".into())),
            Some("client_credentials") => {}
            Some(_) => return Err(OAuthError::UnsupportedGrantType),
        }
        let basic = auth.method == ClientAuthMethod::Basic;
        let now = self.now();
        let ip_key = ip.map(|i| i.to_string()).unwrap_or_default();
        let unavailable = |retry_after| OAuthError::TemporarilyUnavailable { retry_after };
        let by_client = self
            .token_by_client
            .reserve(&auth.client_id, now)
            .map_err(unavailable)?;
        let by_ip = self.token_by_ip.reserve(&ip_key, now).map_err(unavailable)?;
        let facts = RequestFacts {
            ip,
            ..RequestFacts::default()
        };
        let verdict = self
            .verify(
                Presented::ClientPair {
                    id: &auth.client_id,
                    secret: &auth.client_secret,
                },
                &facts,
            )
            .await?;
        let refused = |description: &str| OAuthError::InvalidClient {
            description: description.into(),
            basic,
        };
        let (client, account) = match (&verdict.code, verdict.credential, verdict.account) {
            (VerifyCode::Valid, Some(c), Some(a)) => (c, a),
            (VerifyCode::RateLimited, ..) => {
                let retry_after = verdict.rate.map_or(1, |r| r.decision.retry_after_seconds.max(1));
                return Err(OAuthError::TemporarilyUnavailable {
                    retry_after: i64::from(retry_after),
                });
            }
            (code, ..) => {
                by_client.failed(now);
                by_ip.failed(now);
                return Err(refused(match code {
                    VerifyCode::Revoked => "the client was revoked",
                    VerifyCode::Expired => "the client has expired",
                    VerifyCode::ApiDisabled => "API access is disabled for the client's account",
                    VerifyCode::IpNotAllowed => "the client may not be used from this address",
                    _ => "unknown client or wrong secret",
                }));
            }
        };
        by_client.succeeded();
        drop(by_ip);
        if client.kind != CredentialKind::OauthClient {
            return Err(OAuthError::UnauthorizedClient(
                "this credential is not an OAuth client".into(),
            ));
        }
        if auth.method == ClientAuthMethod::Query && !account.allow_query_key {
            return Err(OAuthError::InvalidRequest(
                "credentials in the query string are disabled for this account; use HTTP Basic or the form body".into(),
            ));
        }
        let held = effective_scopes(&client.grants.scopes, &client.grants.roles, Some(&account.name));
        let granted = match requested_scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => held,
            Some(requested) => {
                let wanted = requested
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(Scope::parse_syntax)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| OAuthError::InvalidScope(e.message))?;
                if !scope::satisfies(&held, &wanted) {
                    return Err(OAuthError::InvalidScope(
                        "the client may not have every requested scope".into(),
                    ));
                }
                wanted
            }
        };
        let ring = self.keyring().current();
        let signer = ring.signer.clone().ok_or(OAuthError::ServerError)?;
        let ttl = client.token_ttl_secs.unwrap_or(DEFAULT_TOKEN_TTL_SECS);
        let exp = match client.expires_at {
            Some(e) => (now + ttl).min(e),
            None => now + ttl,
        };
        let client_id = client.client_id.clone().unwrap_or_default();
        let claims = AccessClaims {
            iss: self.config().issuer(issuer),
            sub: client_id.clone(),
            client_id,
            aud: self.config().token_audience.clone(),
            exp,
            iat: now,
            jti: keygen::base62(22),
            scope: scope_string(&granted),
            account: account.name.clone(),
        };
        Ok(TokenResponse {
            access_token: signer.sign(ACCESS_TOKEN_TYP, &claims),
            token_type: "bearer".into(),
            expires_in: exp - now,
            scope: claims.scope,
        })
    }

    /// Checks an access token's signature (the key pinned by `kid`), type,
    /// issuer and audience, without a database read; a token seen before is
    /// answered from the ring's cache. Expiry and the denylist are the caller's.
    pub fn read_access_token(&self, token: &str) -> Option<AccessClaims> {
        let ring = self.keyring().current();
        if let Some(claims) = ring.verified.get(token) {
            return Some(claims);
        }
        let claims = self.check_access_token(&ring, token)?;
        ring.verified.insert(token, &claims);
        Some(claims)
    }

    /// The full check behind [`Keyward::read_access_token`], without the cache.
    fn check_access_token(&self, ring: &crate::oauth::keyring::Ring, token: &str) -> Option<AccessClaims> {
        let header = jwt::peek_header(token).ok()?;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP) || t.eq_ignore_ascii_case("application/at+jwt"))
        {
            return None;
        }
        let verifier = ring.verifiers.get(header.kid.as_deref()?)?;
        let claims: AccessClaims = verifier.verify(token).ok()?;
        if self.config().public_url.is_some() && claims.iss != self.config().issuer("") {
            return None;
        }
        if claims.aud != self.config().token_audience {
            return None;
        }
        Some(claims)
    }

    /// RFC 7662: the claims of an active access token, or `active: false` for
    /// anything expired, revoked, unknown or issued to a revoked client.
    pub fn introspect(&self, token: &str) -> Introspection {
        let now = self.now();
        let active = self.read_access_token(token).filter(|c| {
            c.exp > now
                && !self.denylist().contains(&c.jti)
                && self
                    .verifier()
                    .client(&c.client_id)
                    .is_some_and(|(client, _)| client.revoked_at.is_none() && client.expires_at.is_none_or(|e| e > now))
        });
        match active {
            Some(c) => Introspection {
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
            },
            None => Introspection {
                active: false,
                claims: None,
            },
        }
    }

    /// RFC 7009: revokes an access token until it expires. A client may only
    /// revoke its own tokens (`only_client`); anything else is silently ignored,
    /// as the RFC asks.
    pub async fn revoke_token(&self, token: &str, only_client: Option<&str>, actor: &Actor) -> ServiceResult<()> {
        let now = self.now();
        let Some(claims) = self.read_access_token(token) else {
            return Ok(());
        };
        if claims.exp <= now || only_client.is_some_and(|c| c != claims.client_id) {
            return Ok(());
        }
        let mut tx = self.store().write().await?;
        store::signing_keys::revoke_token(&mut *tx, &claims.jti, claims.exp).await?;
        let account_id = store::accounts::find_by_name(&mut *tx, &claims.account)
            .await?
            .map(|a| a.id);
        super::audit::record(
            &mut *tx,
            now,
            actor,
            "token.revoked",
            Some(format!("client:{}", claims.client_id)),
            account_id,
            json!({ "jti": claims.jti, "exp": claims.exp }),
        )
        .await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        self.denylist().insert(&claims.jti, claims.exp);
        Ok(())
    }

    /// Adds a signing key and retires the current one. The old key stays in the
    /// JWKS until every token it signed has expired: the longest access-token
    /// lifetime, or the latest expiry of a JWT-format key it signed.
    /// Global Admins (and admin keys with the Global Admin role) only.
    pub async fn rotate_signing_key(&self, caller: &Caller, alg: jwt::JwtAlgorithm) -> ServiceResult<SigningKeyInfo> {
        if !caller.may_globally("admin") {
            return Err(ServiceError::Forbidden);
        }
        let actor = &caller.actor();
        let now = self.now();
        let kid = format!("{}-{}", now, keygen::base62(8));
        let generated = jwt::generate(alg, &kid);
        let sealed = self.sealer().seal(&generated.pkcs8, &kid);
        let mut tx = self.store().write().await?;
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
        super::audit::record(
            &mut *tx,
            now,
            actor,
            "signing_key.rotated",
            Some(format!("signing_key:{kid}")),
            None,
            json!({ "algorithm": alg.as_str(), "retired": current }),
        )
        .await?;
        if !current.is_empty() {
            super::events::emit(
                &mut tx,
                now,
                crate::domain::event::EventType::SigningKeyRotated,
                super::events::Subject {
                    account: None,
                    credential: None,
                },
                json!({ "kid": kid, "algorithm": alg.as_str(), "retired": current }),
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        self.reload_keyring().await?;
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
        let pool = self.store().pool();
        let rows = store::signing_keys::published(pool, self.now()).await?;
        let fingerprint = store::signing_keys::fingerprint(pool).await?;
        self.keyring().replace(&rows, &self.sealer(), fingerprint);
        Ok(())
    }

    /// Reloads the key ring if the table changed since it was loaded (a CLI
    /// rotation) or a retired key's publication ended; run every few seconds.
    pub async fn refresh_keyring_if_changed(&self) -> ServiceResult<bool> {
        let fingerprint = store::signing_keys::fingerprint(self.store().pool()).await?;
        let ring = self.keyring().current();
        let now = self.now();
        let lapsed = ring.keys.iter().any(|k| k.publish_until.is_some_and(|t| t <= now));
        if fingerprint == ring.fingerprint && !lapsed {
            return Ok(false);
        }
        self.reload_keyring().await?;
        Ok(true)
    }

    /// The published signing keys, newest first, for whoever may read install-wide settings.
    pub fn signing_keys(&self, caller: &Caller) -> ServiceResult<Vec<SigningKeyInfo>> {
        if !caller.reads_globally() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.keyring().current().keys.clone())
    }

    /// The JWKS document (RFC 7517).
    pub fn jwks(&self) -> std::sync::Arc<str> {
        self.keyring().current().jwks.clone()
    }

    /// Forgets revoked tokens that have expired anyway, in memory and on disk.
    pub async fn prune_revoked_tokens(&self) -> ServiceResult<u64> {
        let now = self.now();
        self.denylist().prune(now);
        Ok(store::signing_keys::prune_revoked(self.store().pool(), now).await?)
    }

    /// The revoked-token denylist.
    pub fn denylist(&self) -> &Denylist {
        &self.denylist
    }
}
