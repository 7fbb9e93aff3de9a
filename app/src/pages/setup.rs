//! `/setup?token=…`: creates the first Global Admin from the one-time link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::sign_in::AuthCard;
use crate::api::session::{CompleteSetup, setup_status};
use crate::components::{BTN_PRIMARY, Field, INPUT, LINK, field_error};

/// The first-run form. Once any user exists it only offers the sign-in link.
#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<CompleteSetup>::new();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let needs_setup = Resource::new(|| (), |_| setup_status());
    let value = action.value();
    let general_error = move || match value.get() {
        Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
        _ => None,
    };

    view! {
        <Title text="Set up"/>
        <AuthCard title="Welcome to Keyward" subtitle="Create the first Global Admin for this install.">
            <Suspense fallback=|| view! { <p class="text-sm text-zinc-500 dark:text-zinc-400">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match needs_setup.await {
                        Ok(false) => view! {
                            <p class="text-sm text-zinc-600 dark:text-zinc-300" data-testid="setup-done">
                                "Setup is complete. "<a href="/login" class=LINK>"Sign in"</a>"."
                            </p>
                        }.into_any(),
                        _ if token().is_empty() => view! {
                            <p class="text-sm text-zinc-600 dark:text-zinc-300">
                                "Open the one-time setup link printed in the server log. It looks like "
                                <code class="font-mono text-xs">"/setup?token=…"</code>"."
                            </p>
                        }.into_any(),
                        _ => view! {
                            <ActionForm action=action attr:class="space-y-4" attr:novalidate="">
                                <input type="hidden" name="token" prop:value=token/>
                                <Field label="E-mail" id="email" error=field_error(value, "email")>
                                    <input id="email" name="email" type="email" autocomplete="username" required class=INPUT autofocus/>
                                </Field>
                                <Field label="Password" id="password" hint="At least 12 characters." error=field_error(value, "password")>
                                    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" class=INPUT/>
                                </Field>
                                <Field label="Confirm password" id="confirm" error=field_error(value, "confirm")>
                                    <input id="confirm" name="confirm" type="password" autocomplete="new-password" required class=INPUT/>
                                </Field>
                                <Show when=move || general_error().is_some()>
                                    <p role="alert" data-testid="setup-error" class="rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300">
                                        {general_error}
                                    </p>
                                </Show>
                                <button type="submit" class=format!("{BTN_PRIMARY} w-full") disabled=move || action.pending().get()>
                                    {move || if action.pending().get() { "Creating…" } else { "Create Global Admin" }}
                                </button>
                            </ActionForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }.into_any()
}
