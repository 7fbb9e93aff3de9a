//! The OpenAPI document for the `/docs` page. The server crate builds it from
//! the REST handlers and provides it through context.

use leptos::prelude::*;

use crate::error::ConsoleError;

/// The OpenAPI JSON, as the server provides it to every render and server function.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct OpenApiSource(pub std::sync::Arc<str>);

/// The API reference as JSON text; public, like the page that shows it.
#[server(prefix = "/api", endpoint = "docs/openapi")]
pub async fn openapi_document() -> Result<String, ConsoleError> {
    use_context::<OpenApiSource>()
        .map(|s| s.0.to_string())
        .ok_or(ConsoleError::Internal)
}
