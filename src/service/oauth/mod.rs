//! The OAuth 2.0 token endpoint's logic (client credentials): who gets a
//! token, with which scopes, for how long. Reading tokens back is in
//! `tokens.rs`, the signing keys in `signing_keys.rs` and their rotation on a
//! schedule in `signing_schedule.rs`.

mod issuer;
mod signing_keys;
mod signing_schedule;
mod tokens;

pub use tokens::{IntrospectedClaims, Introspection};

use serde::{Deserialize, Serialize};

use crate::authz::held_scopes;
use crate::crypto::keygen;
use crate::domain::credential::DEFAULT_TOKEN_TTL_SECS;
use crate::domain::{CredentialKind, Scope, scope};
use crate::policy::{RequestFacts, VerifyCode};
use crate::service::{Keyward, ServiceError};
use crate::verify::Presented;
use crate::wire::jwt::{ACCESS_TOKEN_TYP, AccessClaims};

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
    /// The client could not be authenticated. Whether the answer carries a
    /// `WWW-Authenticate` challenge depends on how the request came, which is
    /// the HTTP handler's to see.
    #[error("{description}")]
    InvalidClient { description: String },
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

/// Space-separated scopes, as OAuth writes them.
fn scope_string(scopes: &[Scope]) -> String {
    scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}
/// OAuth: the token endpoint, introspection and revocation, the signing keys and the issuer.
#[derive(Clone, Copy)]
pub struct OAuth<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl OAuth<'_> {
    /// Issues an access token to a client (RFC 6749 §4.4).
    pub async fn issue_token(
        &self,
        grant_type: Option<&str>,
        requested_scope: Option<&str>,
        auth: ClientAuth,
        ip: Option<std::net::IpAddr>,
    ) -> Result<TokenResponse, OAuthError> {
        match grant_type {
            None | Some("") => return Err(OAuthError::InvalidRequest("grant_type is required".into())),
            Some("client_credentials") => {}
            Some(_) => return Err(OAuthError::UnsupportedGrantType),
        }
        let now = self.kw.now();
        let ip_key = ip.map(|i| i.to_string()).unwrap_or_default();
        let unavailable = |retry_after| OAuthError::TemporarilyUnavailable { retry_after };
        let by_client = self
            .kw
            .token_by_client
            .reserve(&auth.client_id, now)
            .map_err(unavailable)?;
        let by_ip = self.kw.token_by_ip.reserve(&ip_key, now).map_err(unavailable)?;
        let facts = RequestFacts {
            ip,
            ..RequestFacts::default()
        };
        let verdict = self
            .kw
            .verification()
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
        let held = held_scopes(
            &client.grants.scopes,
            &client.grants.roles,
            &account.name,
            &account.name,
        );
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
        let ring = self.kw.keyring().current();
        let signer = ring.signer_at(now).ok_or(OAuthError::ServerError)?;
        let ttl = client.token_ttl_secs.unwrap_or(DEFAULT_TOKEN_TTL_SECS);
        let exp = match client.expires_at {
            Some(e) => (now + ttl).min(e),
            None => now + ttl,
        };
        let client_id = client.client_id.clone().unwrap_or_default();
        let claims = AccessClaims {
            iss: self.issuer().ok_or(OAuthError::ServerError)?.to_owned(),
            sub: client_id.clone(),
            client_id,
            aud: self.kw.config().token_audience.clone(),
            exp,
            iat: now,
            nbf: None,
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
}
