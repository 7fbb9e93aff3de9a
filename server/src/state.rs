//! What every handler can reach, and the limits the whole router shares. It
//! sits below both the router and the handlers, so neither imports the other.

use std::sync::Arc;

use axum::extract::FromRef;
use keyward::service::Keyward;
use leptos::prelude::LeptosOptions;

use crate::request_metrics::RequestMetrics;

/// Largest request body accepted anywhere; console forms and API calls are small.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub kw: Keyward,
    pub leptos: LeptosOptions,
    pub requests: Arc<RequestMetrics>,
}

impl FromRef<AppState> for Keyward {
    fn from_ref(s: &AppState) -> Self {
        s.kw.clone()
    }
}

impl FromRef<AppState> for Arc<RequestMetrics> {
    fn from_ref(s: &AppState) -> Self {
        s.requests.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

/// Leptos settings for the embedded site: names match what cargo-leptos builds.
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("keyward")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .env(leptos::config::Env::PROD)
        .build()
}
