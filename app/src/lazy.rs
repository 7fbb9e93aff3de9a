//! Routes whose code the browser fetches on first visit. `cargo leptos build
//! --split` cuts each one into its own WASM chunk, so the first page load pays
//! for the shell, sign-in and the dashboard only.
//!
//! The browser fetches a page's chunk ahead of the click: for every link on
//! screen once the page is interactive, and again (a no-op if it is already
//! there) when a link is hovered, focused or touched.
//!
//! The server renders the same pages as plain routes. The HTML is identical,
//! so the browser's lazy routes hydrate it unchanged, and the server skips the
//! async route resolution: under load, lazy routes rendered on the server hit a
//! missing context in a worker (the request's reactive owner already gone).

use leptos_router::ChooseView;

#[cfg(not(feature = "ssr"))]
use leptos::prelude::*;
#[cfg(not(feature = "ssr"))]
use leptos_router::{Lazy, LazyRoute, lazy_route};

use crate::pages::{
    AccountDetailPage, AccountsPage, ApplicationsPage, AuditPage, CredentialDetailPage, CredentialsPage, DocsPage,
    NewCredentialPage, SettingsPage, SetupPage, UsersPage, ValidatePage, WebhookDetailPage, WebhooksPage,
};

/// For each page, a route view: lazy in the browser, plain on the server.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[cfg(not(feature = "ssr"))]
        #[allow(non_camel_case_types)]
        pub struct $route {}

        #[cfg(not(feature = "ssr"))]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route {}
            }

            fn view(_this: Self) -> AnyView {
                crate::mark_hydrated();
                view! { <$page/> }.into_any()
            }
        }

        #[cfg(not(feature = "ssr"))]
        pub fn $route() -> impl ChooseView {
            Lazy::<$route>::new()
        }

        #[cfg(feature = "ssr")]
        pub fn $route() -> impl ChooseView {
            $page
        }
    )*};
}

lazy_pages! {
    credentials => CredentialsPage,
    new_credential => NewCredentialPage,
    credential_detail => CredentialDetailPage,
    accounts => AccountsPage,
    account_detail => AccountDetailPage,
    applications => ApplicationsPage,
    validate_application => ValidatePage,
    users => UsersPage,
    audit => AuditPage,
    settings => SettingsPage,
    webhooks => WebhooksPage,
    webhook_detail => WebhookDetailPage,
    docs => DocsPage,
    setup => SetupPage,
}

/// Fetches, in the background, the chunk of the page each same-origin link on
/// screen leads to.
pub fn preload_shown_links() {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::JsCast;
        let Ok(links) = document().query_selector_all("a[href^='/']") else {
            return;
        };
        let mut paths: Vec<String> = (0..links.length())
            .filter_map(|i| {
                links
                    .item(i)?
                    .dyn_into::<web_sys::Element>()
                    .ok()?
                    .get_attribute("href")
            })
            .collect();
        paths.sort();
        paths.dedup();
        for path in paths {
            preload(&path);
        }
    }
}

/// Fetches, in the background, the chunk of the page at `path` (a link's
/// `href`); nothing for a page that has none or whose chunk is loaded.
pub fn preload(path: &str) {
    #[cfg(not(feature = "ssr"))]
    {
        let path = path.split(['?', '#']).next().unwrap_or_default().to_owned();
        leptos::task::spawn_local(async move {
            let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
            match parts.as_slice() {
                ["credentials"] => <credentials as LazyRoute>::preload().await,
                ["credentials", "new"] => <new_credential as LazyRoute>::preload().await,
                ["credentials", _] => <credential_detail as LazyRoute>::preload().await,
                ["applications"] => <applications as LazyRoute>::preload().await,
                ["applications", "validate"] => <validate_application as LazyRoute>::preload().await,
                ["accounts"] => <accounts as LazyRoute>::preload().await,
                ["accounts", _] => <account_detail as LazyRoute>::preload().await,
                ["users"] => <users as LazyRoute>::preload().await,
                ["audit"] => <audit as LazyRoute>::preload().await,
                ["webhooks"] => <webhooks as LazyRoute>::preload().await,
                ["webhooks", _] => <webhook_detail as LazyRoute>::preload().await,
                ["settings"] => <settings as LazyRoute>::preload().await,
                ["docs"] => <docs as LazyRoute>::preload().await,
                _ => {}
            }
        });
    }
    #[cfg(feature = "ssr")]
    let _ = path;
}
