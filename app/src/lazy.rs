//! Routes whose code the browser fetches on first visit. `cargo leptos build
//! --split` cuts each one into its own WASM chunk, so the first page load pays
//! for the shell, sign-in and the dashboard only.
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
