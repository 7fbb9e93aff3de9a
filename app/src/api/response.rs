//! What a server function's answer carries besides its body: the HTTP status
//! and extra headers. Kept apart from [`super::context`], which reads the
//! request, so the error type can set its status without depending on it.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Sets the HTTP status of the server function's response.
pub fn set_status(status: StatusCode) {
    if let Some(opts) = use_context::<ResponseOptions>() {
        opts.set_status(status);
    }
}

/// Adds a header to the response (a `Set-Cookie`, say); a value that is not
/// a valid header is dropped.
pub fn append_header(name: HeaderName, value: &str) {
    if let (Some(opts), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        opts.append_header(name, v);
    }
}
