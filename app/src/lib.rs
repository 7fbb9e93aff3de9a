#![recursion_limit = "256"]
//! The Keyward Developer Console: a Leptos app rendered on the server and
//! hydrated in the browser. Pages reach the services only through the server
//! functions in [`api`]; they hold no SQL and no domain rules.

pub mod api;
pub mod components;
pub mod error;
mod held_clicks;
mod lazy;
mod next_path;
mod pages;
mod shell;
mod time;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::{Toaster, provide_toasts};
use crate::pages::{AccountPage, DashboardPage, EnrolPage, NotFound, SecondFactorPage, SignInPage};
use crate::shell::Shell;

/// Sets the dark class before first paint, so a dark-mode user never sees a white flash.
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('kw-theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}";

/// The HTML document around the app, rendered once per page load on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script>{THEME_SCRIPT}</script>
                <script>{held_clicks::HELD_CLICKS_SCRIPT}</script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full bg-zinc-50 font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
                <App/>
            </body>
        </html>
    }
}

/// Marks the page interactive (`<body data-hydrated="true">`) once the
/// route's own view has hydrated; browser tests wait for it. A lazy route
/// hydrates only after its chunk arrives, later than the app around it, so
/// every page marks itself rather than the app doing it once.
pub(crate) fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        lazy::preload_shown_links();
    });
}

/// Pages that stand on their own; every other page lives inside [`Shell`]
/// and needs a session.
/// (The two-factor pages check their own cookie: the code step a pending
/// sign-in's, enrolment a session the policy keeps to enrolment.)
const PUBLIC_PAGES: [&str; 5] = ["/login", "/setup", "/docs", "/login/two-factor", "/two-factor/setup"];

/// Whether the page at `path` needs a session. The server answers a
/// signed-out request for one with a redirect to the sign-in page, before
/// anything renders; the shell does the same in the browser.
pub fn page_needs_session(path: &str) -> bool {
    !PUBLIC_PAGES.contains(&path)
}

/// The console's routes. Pages inside [`Shell`] need a session; the shell
/// sends everyone else to the sign-in page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    time::provide_now();

    view! {
        <Stylesheet id="leptos" href="/pkg/keyward.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Keyward".to_owned() } else { format!("{page} · Keyward") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=SignInPage/>
                <Route path=path!("/login/two-factor") view=SecondFactorPage/>
                <Route path=path!("/two-factor/setup") view=EnrolPage/>
                <Route path=path!("/setup") view={lazy::setup()}/>
                <Route path=path!("/docs") view={lazy::docs()}/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("/") view=DashboardPage/>
                    <Route path=path!("/credentials") view={lazy::credentials()}/>
                    <Route path=path!("/credentials/new") view={lazy::new_credential()}/>
                    <Route path=path!("/credentials/:id") view={lazy::credential_detail()}/>
                    <Route path=path!("/applications") view={lazy::applications()}/>
                    <Route path=path!("/applications/validate") view={lazy::validate_application()}/>
                    <Route path=path!("/accounts") view={lazy::accounts()}/>
                    <Route path=path!("/accounts/:name") view={lazy::account_detail()}/>
                    <Route path=path!("/users") view={lazy::users()}/>
                    <Route path=path!("/audit") view={lazy::audit()}/>
                    <Route path=path!("/webhooks") view={lazy::webhooks()}/>
                    <Route path=path!("/webhooks/:id") view={lazy::webhook_detail()}/>
                    <Route path=path!("/settings") view={lazy::settings()}/>
                    <Route path=path!("/account") view=AccountPage/>
                </ParentRoute>
            </Routes>
        </Router>
        <Toaster/>
    }
}
