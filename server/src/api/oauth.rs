//! The OAuth 2.0 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662),
//! revocation (RFC 7009), the JWKS (RFC 7517) and the server metadata (RFC 8414).
//! Their errors follow RFC 6749 §5.2, not problem+json.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward::authz::Via;
use keyward::policy::RequestFacts;
use keyward::service::{Caller, ClientAuth, ClientAuthMethod, Introspection, Keyward, OAuthError, TokenResponse};
use keyward::verify::Presented;
use keyward::wire::authorization::Authorization;
use keyward::wire::form::Params;
use serde_json::json;

use super::caller::{authorization, bearer, bearer_caller};
use super::extract::client_ip;
use super::oauth_error::{OAuthErrorBody, answer};
use super::responses;
use crate::state::AppState;

/// `one` with a repeat as RFC 6749 §3.2's `invalid_request`.
fn one<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, OAuthError> {
    params.one(name).map_err(|e| OAuthError::InvalidRequest(e.to_string()))
}

/// The client's credentials from exactly one place: Basic, the form body, or the query.
fn client_auth(headers: &HeaderMap, body: &Params, query: &Params) -> Result<Option<ClientAuth>, OAuthError> {
    let mut found = Vec::new();
    match authorization(headers) {
        Some(Authorization::Basic { id, secret }) => found.push(ClientAuth {
            method: ClientAuthMethod::Basic,
            client_id: id,
            client_secret: secret,
        }),
        Some(Authorization::MalformedBasic) => {
            return Err(OAuthError::InvalidClient {
                description: "malformed Basic credentials".into(),
            });
        }
        Some(Authorization::Bearer(_) | Authorization::Unsupported) | None => {}
    }
    for (params, method) in [(body, ClientAuthMethod::Body), (query, ClientAuthMethod::Query)] {
        if let (Some(id), Some(secret)) = (one(params, "client_id")?, one(params, "client_secret")?) {
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

/// The base URL the request reached, for the metadata's endpoints when no
/// public URL is set (the issuer itself never follows the request).
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
        responses::OAuthRefused,
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
            Ok(one(&body, name)?.or(one(&query, name)?).map(str::to_owned))
        };
        let grant_type = pick("grant_type")?;
        let scope = pick("scope")?;
        let auth = client_auth(&parts.headers, &body, &query)?.ok_or_else(|| OAuthError::InvalidClient {
            description: "client authentication is required".into(),
        })?;
        kw.oauth()
            .issue_token(grant_type.as_deref(), scope.as_deref(), auth, client_ip(&parts))
            .await
    }
    .await;
    answer(result.map(Json), &parts.headers)
}

/// Who introspects or revokes: a management credential (its Bearer key or
/// access token), or an OAuth client with its id and secret. What each may
/// do is the authorization module's to decide.
async fn caller(kw: &Keyward, parts: &Parts, body: &Params) -> Result<Caller, OAuthError> {
    if let Some(token) = bearer(&parts.headers) {
        return bearer_caller(kw, parts, token)
            .await?
            .map(Caller::Key)
            .map_err(|_| OAuthError::InvalidClient {
                description: "the bearer credential was refused".into(),
            });
    }
    let none = Params::default();
    let auth = client_auth(&parts.headers, body, &none)?.ok_or_else(|| OAuthError::InvalidClient {
        description: "authenticate as a client, or with a management key".into(),
    })?;
    let ip = client_ip(parts);
    let facts = RequestFacts {
        ip,
        ..RequestFacts::default()
    };
    let presented = Presented::ClientPair {
        id: &auth.client_id,
        secret: &auth.client_secret,
    };
    let verdict = kw.verification().verify(presented, &facts).await?;
    let client = verdict
        .credential
        .as_ref()
        .is_some_and(|c| c.kind == keyward::domain::CredentialKind::OauthClient);
    client
        .then(|| {
            kw.credentials()
                .key_caller(&verdict, ip.map(|i| i.to_string()), Via::ClientAuth)
        })
        .flatten()
        .map(Caller::Key)
        .ok_or(OAuthError::InvalidClient {
            description: "unknown client or wrong secret".into(),
        })
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
    request_body(content_type = "application/x-www-form-urlencoded", description = "`token` (and an optional `token_type_hint`); authenticate as an OAuth client (tokens of the accounts it reaches) or with a management key (`keys:read` on the token's account)"),
    responses(
        (status = 200, description = "The token's claims, or only `{\"active\": false}`", body = Introspection),
        responses::OAuthRefused,
    ))]
pub async fn introspect(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let kw = &state.kw;
    let result = async {
        let params = form(&parts, &body).await?;
        let caller = caller(kw, &parts, &params).await?;
        let token = one(&params, "token")?.ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        Ok(kw.oauth().introspect(&caller, token))
    }
    .await;
    answer(result.map(Json), &parts.headers)
}

/// Revoke an access token (RFC 7009). Answers 200 even for unknown tokens.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`token`; a client may revoke its own tokens, a management key (`keys:write`) those it could have issued itself"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        responses::OAuthRefused,
    ))]
pub async fn revoke(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let kw = &state.kw;
    let result = async {
        let params = form(&parts, &body).await?;
        let caller = caller(kw, &parts, &params).await?;
        let token = one(&params, "token")?.ok_or_else(|| OAuthError::InvalidRequest("token is required".into()))?;
        kw.oauth().revoke_token(&caller, token).await.map_err(OAuthError::from)
    }
    .await;
    answer(result.map(|()| StatusCode::OK), &parts.headers)
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
        kw.oauth().jwks().to_string(),
    )
        .into_response()
}

/// The authorization server's metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "Issuer, endpoints, grant types and client authentication methods")))]
pub async fn metadata(State(kw): State<Keyward>, headers: HeaderMap) -> Response {
    let base = match kw.config().public_url.as_deref() {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => request_base(&kw, &headers),
    };
    Json(json!({
        "issuer": kw.oauth().issuer().unwrap_or(&base),
        "token_endpoint": format!("{base}/oauth/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "scopes_supported": kw.config().catalog.0.iter().flat_map(|r| ["read", "write", "admin"].map(|a| format!("{r}:{a}"))).collect::<Vec<_>>(),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "bearer"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "bearer"],
        "service_documentation": format!("{base}/docs"),
    }))
    .into_response()
}
