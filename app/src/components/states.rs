//! Loading, empty and error states, so no list ever renders as a blank box.

use leptos::prelude::*;

use crate::error::ConsoleError;

/// Placeholder rows with the same height as real ones, so nothing jumps when data arrives.
#[component]
pub fn LoadingRows(#[prop(default = 3)] rows: usize) -> impl IntoView {
    view! {
        <div class="space-y-3 p-5" aria-busy="true" aria-live="polite">
            <span class="sr-only">"Loading…"</span>
            {(0..rows)
                .map(|_| view! { <div class="h-9 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800"></div> })
                .collect_view()}
        </div>
    }
}

/// What a list shows when it has nothing in it: why, and what to do next.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] description: String,
    #[prop(default = "inbox")] icon: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center px-6 py-14 text-center">
            <div class="mb-4 rounded-full bg-zinc-100 p-3 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400">
                <super::Icon name=icon class="size-6"/>
            </div>
            <h3 class="text-sm font-semibold text-zinc-900 dark:text-white">{title}</h3>
            <p class="mt-1 max-w-sm text-sm text-zinc-500 dark:text-zinc-400">{description}</p>
            <div class="mt-5">{children.map(|c| c())}</div>
        </div>
    }
}

/// A server error shown in place of the content it prevented.
#[component]
pub fn ErrorNotice(error: ConsoleError) -> impl IntoView {
    let (title, body) = match &error {
        ConsoleError::Forbidden => (
            "Not available to your role".to_owned(),
            "Ask a Global Admin if you need access.".to_owned(),
        ),
        ConsoleError::Unauthenticated => (
            "Your session has ended".to_owned(),
            "Sign in again to continue.".to_owned(),
        ),
        other => ("Could not load this".to_owned(), other.to_string()),
    };
    view! {
        <div role="alert" class="flex gap-3 rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800 dark:border-red-500/30 dark:bg-red-500/10 dark:text-red-300">
            <super::Icon name="alert" class="size-5"/>
            <div>
                <p class="font-semibold">{title}</p>
                <p class="mt-0.5">{body}</p>
                {matches!(error, ConsoleError::Unauthenticated).then(|| view! {
                    <a href="/login" rel="external" class=format!("mt-2 inline-block {}", super::LINK)>"Sign in"</a>
                })}
            </div>
        </div>
    }
}
