//! `/login/two-factor`: the second step of signing in, for users with a
//! second factor. The password was right; a code from the app, or a
//! recovery code, finishes the sign-in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::sign_in::AuthCard;
use crate::api::two_factor::CompleteSignIn;
use crate::components::{BTN_GHOST, BTN_PRIMARY, Field, INPUT, LINK};
use crate::error::ConsoleError;

/// The code form. It works before the WASM loads too (a plain form post),
/// with the app's code; the recovery-code field needs the page hydrated.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    crate::mark_hydrated();
    let action = ServerAction::<CompleteSignIn>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let recovery = RwSignal::new(false);
    let expired = move || matches!(action.value().get(), Some(Err(ConsoleError::Unauthenticated)));
    let error = move || match action.value().get() {
        Some(Err(ConsoleError::Unauthenticated)) => {
            Some("This sign-in has expired (it lasts 5 minutes). Sign in again.".to_owned())
        }
        Some(Err(ConsoleError::Invalid { message, .. })) => {
            Some(crate::components::capitalise(&format!("the code {message}")))
        }
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };

    view! {
        <Title text="Two-factor sign-in"/>
        <AuthCard title="Two-factor sign-in" subtitle="Your password was right. Now confirm it is you.">
            <ActionForm action=action attr:class="space-y-4" attr:novalidate="">
                <input type="hidden" name="next" prop:value=next/>
                {move || if recovery.get() {
                    view! {
                        <Field label="Recovery code" id="code" hint="One of the ten codes you saved when you set up two-factor sign-in. Each works once.">
                            <input id="code" name="code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                                required class=format!("{INPUT} font-mono") autofocus/>
                        </Field>
                    }.into_any()
                } else {
                    view! {
                        <Field label="Authentication code" id="code" hint="The 6-digit code your authenticator app shows for Keyward.">
                            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                pattern="[0-9]{6}" maxlength="6" required class=format!("{INPUT} font-mono tracking-widest") autofocus/>
                        </Field>
                    }.into_any()
                }}
                <Show when=move || error().is_some()>
                    <p role="alert" data-testid="sign-in-error" class="rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300">
                        {error}
                    </p>
                </Show>
                <Show
                    when=move || !expired()
                    fallback=|| view! { <a href="/login" class=format!("{BTN_PRIMARY} w-full")>"Sign in again"</a> }
                >
                    <button type="submit" class=format!("{BTN_PRIMARY} w-full") disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Checking…" } else { "Verify" }}
                    </button>
                </Show>
            </ActionForm>
            <div class="mt-4 flex items-center justify-between text-sm">
                <button type="button" class=BTN_GHOST data-testid="toggle-recovery" on:click=move |_| recovery.update(|r| *r = !*r)>
                    {move || if recovery.get() { "Use the app's code" } else { "Use a recovery code" }}
                </button>
                <a href="/login" class=LINK>"Cancel"</a>
            </div>
        </AuthCard>
    }
    .into_any()
}
