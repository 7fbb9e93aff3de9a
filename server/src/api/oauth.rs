//! The OAuth 2.0 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662),
//! revocation (RFC 7009), the JWKS (RFC 7517) and the server metadata (RFC 8414).
//! Their errors follow RFC 6749 §5.2, not problem+json.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use keyward::policy::RequestFacts;
use keyward::service::{Caller, ClientAuth, ClientAuthMethod, Introspection, Keyward, OAuthError, TokenResponse};
use keyward::verify::Presented;
use serde_json::json;

use super::extract::{bearer, client_ip, percent_decode};
use crate::router::AppState;

/// An RFC 6749 §5.2 error body.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, …
    pub error: String,
    pub error_description: String,
}

fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn oauth_error(e: &OAuthError) -> Response {
    let status = match e {
        OAuthError::InvalidClient { .. } => StatusCode::UNAUTHORIZED,
        OAuthError::TemporarilyUnavailable { .. } => StatusCode::TOO_MANY_REQUESTS,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = OAuthErrorBody {
        error: e.code().to_owned(),
        error_description: e.to_string(),
    };
    let mut res = (status, Json(body)).into_response();
    match e {
        OAuthError::InvalidClient { basic: true, .. } => {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"keyward\""),
            );
        }
        OAuthError::TemporarilyUnavailable { retry_after } => {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        _ => {}
    }
    no_store(res)
}

/// Form and query parameters, refusing repeats (RFC 6749 §3.2).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &str) -> Self {
        Self(form_urlencoded(text))
    }

    fn one(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(OAuthError::InvalidRequest(format!("{name} was sent more than once")));
        }
        Ok(first)
    }
}

fn form_urlencoded(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The client's credentials from exactly one place: Basic, the form body, or the query.
fn client_auth(headers: &HeaderMap, body: &Params, query: &Params) -> Result<Option<ClientAuth>, OAuthError> {
    let mut found = Vec::new();
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some((scheme, encoded)) = value.trim().split_once(' ')
        && scheme.eq_ignore_ascii_case("basic")
    {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| OAuthError::InvalidClient {
                description: "malformed Basic credentials".into(),
                basic: true,
            })?;
        let (id, secret) = decoded.split_once(':').ok_or_else(|| OAuthError::InvalidClient {
            description: "malformed Basic credentials".into(),
            basic: true,
        })?;
        found.push(ClientAuth {
            method: ClientAuthMethod::Basic,
            client_id: percent_decode(id),
            client_secret: percent_decode(secret),
        });
    }
    for (params, method) in [(body, ClientAuthMethod::Body), (query, ClientAuthMethod::Query)] {
        if let (Some(id), Some(secret)) = (params.one("client_id")?, params.one("client_secret")?) {
            found.push(ClientAuth {
                method,
                client_id: id.to_owned(),
                client_secret: secret.to_owned(),
            });
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(OAuthError::InvalidRequest(
            "authenticate the client one way only (RFC 6749 §2.3)".into(),
        )),
    }
}

/// The base URL the request reached, for the issuer when no public URL is set.
fn request_base(kw: &Keyward, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let https = kw.config().trust_proxy
        && headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Issue an access token with the client-credentials grant.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`grant_type=client_credentials`, optional `scope`; the client authenticates with HTTP Basic, `client_id`/`client_secret` in the body, or (for compatibility, also at `/api/v1/oauth/token`) in the query string"),
    responses(
        (status = 200, description = "An access token (a JWT, RFC 9068); `Cache-Control: no-store`", body = TokenResponse),
        (status = 400, description = "`invalid_request`, `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client` (with `WWW-Authenticate: Basic` when Basic was used)", body = OAuthErrorBody),
        (status = 429, description = "Too many failed client authentications; see `Retry-After`", body = OAuthErrorBody),
    ))]
pub async fn token(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let kw = &state.kw;
    let result = async {
        if !body.is_empty() && !is_form(&parts.headers) {
            return Err(OAuthError::InvalidRequest(
                "send the parameters as application/x-www-form-urlencoded".into(),
            ));
        }
        let body = Params::parse(
            std::str::from_utf8(&body).map_err(|_| OAuthError::InvalidRequest("the body is not UTF-8".into()))?,
        );
        let query = Params::parse(parts.uri.query().unwrap_or(""));
        let pick = |name| -> Result<Option<String>, OAuthError> {
            Ok(body.one(name)?.or(query.one(name)?).map(str::to_owned))
        };
        let grant_type = pick("grant_type")?;
        let scope = pick("scope")?;
        let auth = client_auth(&parts.headers, &body, &query)?.ok_or_else(|| OAuthError::InvalidClient {
            description: "client authentication is required".into(),
            basic: false,
        })?;
        kw.issue_token(
            grant_type.as_deref(),
            scope.as_deref(),
            auth,
            client_ip(&parts),
            &request_base(kw, &parts.headers),
        )
        .await
    }
    .await;
    match result {
        Ok(t) => no_store(Json(t).into_response()),
        Err(e) => oauth_error(&e),
    }
}

/// Who may introspect or revoke: an authenticated OAuth client, or a management key.
enum Authority {
    Client(String),
    Key(Caller),
}

async fn authority(kw: &Keyward, parts: &Parts, body: &Params) -> Result<Authority, OAuthError> {
    let ip = client_ip(parts);
    if let Some(token) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
    {
        let verdict = kw
            .verify(
                Presented::Key {
                    key: token,
                    from_query: false,
                },
                &RequestFacts {
                    ip,
                    ..RequestFacts::default()
                },
            )
            .await?;
        return kw
            .key_caller(&verdict, ip.map(|i| i.to_string()))
            .map(|c| Authority::Key(Caller::Key(c)))
            .ok_or_else(|| OAuthError::InvalidClient {
                description: "the bearer credential was refused".into(),
                basic: false,
            });
    }
    let none = Params(Vec::new());
    let auth = client_auth(&parts.headers, body, &none)?.ok_or_else(|| OAuthError::InvalidClient {
        description: "authenticate as a client, or with a management key".into(),
        basic: false,
    })?;
    let basic = auth.method == ClientAuthMethod::Basic;
    let verdict = kw
        .verify(
            Presented::ClientPair {
                id: &auth.client_id,
                secret: &auth.client_secret,
            },
            &RequestFacts {
                ip,
                ..RequestFacts::default()
            },
        )
        .await?;
    match verdict.credential {
        Some(c) if verdict.code.is_valid() && c.kind == keyward::domain::CredentialKind::OauthClient => {
            Ok(Authority::Client(auth.client_id))
        }
        _ => Err(OAuthError::InvalidClient {
            description: "unknown client or wrong secret".into(),
            basic,
        }),
    }
}

async fn form(parts: &Parts, body: &Bytes) -> Result<Params, OAuthError> {
    if !is_form(&parts.headers) {
        return Err(OAuthError::InvalidRequest(
            "send the parameters as application/x-www-form-urlencoded".into(),
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| OAuthError::InvalidRequest("the body is not UTF-8".into()))?;
    Ok(Params::parse(text))
}

/// Introspect an access token (RFC 7662).
#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`token` (and an optional `token_type_hint`); authenticate as an OAuth client or with a management key (`keys:read`)"),
    responses(
        (status = 200, description = "The token's claims, or only `{\"active\": false}`", body = Introspection),
        (status = 400, description = "`invalid_request`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody),
    ))]
pub async fn introspect(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let kw = &state.kw;
    let result = async {
        let params = form(&parts, &body).await?;
        match authority(kw, &parts, &params).await? {
            Authority::Key(Caller::Key(k))
                if !keyward::domain::scope::satisfies(
                    &k.scopes,
                    &[keyward::domain::Scope::parse_syntax("keys:read").expect("valid")],
                ) && !k.roles.iter().any(|r| {
                    matches!(
                        r,
                        keyward::domain::CredentialRole::GlobalAdmin | keyward::domain::CredentialRole::GlobalViewer
                    )
                }) =>
            {
                return Err(OAuthError::InvalidClient {
                    description: "the management key needs keys:read".into(),
                    basic: false,
                });
            }
            _ => {}
        }
        let token = params
            .one("token")?
            .ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        Ok(kw.introspect(token))
    }
    .await;
    match result {
        Ok(i) => no_store(Json(i).into_response()),
        Err(e) => oauth_error(&e),
    }
}

/// Revoke an access token (RFC 7009). Answers 200 even for unknown tokens.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`token`; a client may revoke its own tokens, a management key (`keys:write`) any"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody),
    ))]
pub async fn revoke(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let kw = &state.kw;
    let result = async {
        let params = form(&parts, &body).await?;
        let who = authority(kw, &parts, &params).await?;
        let token = params
            .one("token")?
            .ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        let (only_client, actor) = match &who {
            Authority::Client(id) => (
                Some(id.as_str()),
                keyward::service::Actor {
                    kind: keyward::domain::ActorKind::Credential,
                    id: None,
                    label: id.clone(),
                    ip: client_ip(&parts).map(|i| i.to_string()),
                },
            ),
            Authority::Key(caller) => (None, caller.actor()),
        };
        kw.revoke_token(token, only_client, &actor)
            .await
            .map_err(OAuthError::from)
    }
    .await;
    match result {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => oauth_error(&e),
    }
}

/// The public keys that verify access tokens (RFC 7517).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "oauth",
    responses((status = 200, description = "`application/jwk-set+json`: every key that may have signed a live token")))]
pub async fn jwks(State(kw): State<Keyward>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jwk-set+json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        ],
        kw.jwks().to_string(),
    )
        .into_response()
}

/// The authorization server's metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "Issuer, endpoints, grant types and client authentication methods")))]
pub async fn metadata(State(kw): State<Keyward>, headers: HeaderMap) -> Response {
    let issuer = kw.config().issuer(&request_base(&kw, &headers));
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth/token"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "scopes_supported": kw.config().catalog.0.iter().flat_map(|r| ["read", "write", "admin"].map(|a| format!("{r}:{a}"))).collect::<Vec<_>>(),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "bearer"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "bearer"],
        "service_documentation": format!("{issuer}/docs"),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parameters_decode_and_repeats_are_refused() {
        let p = Params::parse("grant_type=client_credentials&scope=compute%3Aread+keys%3Aread&x=1&x=2");
        assert_eq!(p.one("grant_type").unwrap(), Some("client_credentials"));
        assert_eq!(p.one("scope").unwrap(), Some("compute:read keys:read"));
        assert!(p.one("x").is_err());
        assert_eq!(p.one("missing").unwrap(), None);
    }
}
