//! What the OpenAPI 3.1 document says besides its operations: the title,
//! the tags and the Bearer scheme. The operations come from the route list
//! (`super::routes`), the schemas from the wire types' derives.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document's frame, into which the route list adds each operation.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keyward API",
        description = "Issue, verify and manage API credentials. Management calls take `Authorization: Bearer <api key>` with the scope shown for each operation; errors are `application/problem+json` (RFC 9457) with a stable `code`.",
    ),
    components(schemas(super::problem::Problem, super::oauth_error::OAuthErrorBody, keyward::policy::VerifyCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "keys", description = "Credentials: API keys, Basic pairs and OAuth clients"),
        (name = "verification", description = "Is this credential good for this call?"),
        (name = "accounts", description = "Accounts, their plan and the Enable API switch"),
        (name = "audit", description = "Every change, newest first"),
        (name = "webhooks", description = "Signed lifecycle events: endpoints, delivery logs, tests and replays"),
        (name = "oauth", description = "OAuth 2.0 client credentials with JWT access tokens (RFC 6749, 9068, 7662, 7009, 7517, 8414)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key (kw_…) with the scopes the operation lists."))
                    .build(),
            ),
        );
    }
}
