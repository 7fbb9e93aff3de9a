//! Page scaffolding: the header every page starts with, and cards.

use leptos::prelude::*;

/// A page's title, one-line description and its main actions on the right.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] description: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">{title}</h1>
                {description.map(|d| view! { <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{d}</p> })}
            </div>
            <div class="flex shrink-0 flex-wrap gap-2">{children.map(|c| c())}</div>
        </div>
    }
}

/// A bordered panel with an optional title.
#[component]
pub fn Card(#[prop(optional, into)] title: Option<String>, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            {title.map(|t| view! {
                <h2 class="border-b border-zinc-200 px-5 py-3.5 text-sm font-semibold text-zinc-900 dark:border-zinc-800 dark:text-white">{t}</h2>
            })}
            <div class="p-5">{children()}</div>
        </section>
    }
}
