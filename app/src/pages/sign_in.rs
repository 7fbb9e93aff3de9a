//! `/login`: e-mail and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::session::{SignIn, setup_status};
use crate::components::{BTN_PRIMARY, Field, INPUT, Icon};
use crate::error::ConsoleError;

/// The centred card that sign-in and setup share.
#[component]
pub fn AuthCard(#[prop(into)] title: String, #[prop(into)] subtitle: String, children: Children) -> impl IntoView {
    view! {
        <main class="flex min-h-screen items-center justify-center px-4 py-12">
            <div class="w-full max-w-sm">
                <div class="mb-8 flex flex-col items-center text-center">
                    <span class="grid size-11 place-items-center rounded-xl bg-indigo-600 text-white shadow-md"><Icon name="shield" class="size-6"/></span>
                    <h1 class="mt-5 text-xl font-semibold tracking-tight">{title}</h1>
                    <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{subtitle}</p>
                </div>
                <div class="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                    {children()}
                </div>
            </div>
        </main>
    }.into_any()
}

/// The sign-in form. It works before the WASM loads too (a plain form post).
#[component]
pub fn SignInPage() -> impl IntoView {
    crate::mark_hydrated();
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let needs_setup = Resource::new(|| (), |_| setup_status());
    let error = move || match action.value().get() {
        Some(Err(e @ (ConsoleError::BadCredentials | ConsoleError::Throttled { .. } | ConsoleError::Rule { .. }))) => {
            Some(e.to_string())
        }
        Some(Err(ConsoleError::Invalid { message, .. })) => Some(message),
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };

    view! {
        <Title text="Sign in"/>
        <AuthCard title="Sign in to Keyward" subtitle="The Developer Console for your API credentials.">
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(needs_setup.await, Ok(true)).then(|| view! {
                        <div class="mb-5 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
                            "Keyward has no users yet. Open the one-time "<code class="font-mono">"/setup"</code>" link printed in the server log to create the first Global Admin."
                        </div>
                    })
                })}
            </Suspense>
            <ActionForm action=action attr:class="space-y-4" attr:novalidate="">
                <input type="hidden" name="next" prop:value=next/>
                <Field label="E-mail" id="email">
                    <input id="email" name="email" type="email" autocomplete="username" required class=INPUT autofocus/>
                </Field>
                <Field label="Password" id="password">
                    <input id="password" name="password" type="password" autocomplete="current-password" required class=INPUT/>
                </Field>
                <Show when=move || error().is_some()>
                    <p role="alert" data-testid="sign-in-error" class="rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300">
                        {error}
                    </p>
                </Show>
                <button type="submit" class=format!("{BTN_PRIMARY} w-full") disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </AuthCard>
    }.into_any()
}
