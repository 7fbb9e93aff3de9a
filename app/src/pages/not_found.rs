//! The 404 page, answered with a real 404 status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::BTN_PRIMARY;

/// Shown for any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::mark_hydrated();
    #[cfg(feature = "ssr")]
    crate::api::response::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Not found"/>
        <main class="flex min-h-screen flex-col items-center justify-center px-6 text-center">
            <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"Page not found"</h1>
            <p class="mt-3 text-sm text-zinc-500 dark:text-zinc-400">"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <a href="/" class=format!("{BTN_PRIMARY} mt-8")>"Back to the dashboard"</a>
        </main>
    }.into_any()
}
