//! Setting up two-factor sign-in: the key as a QR code and as text, the
//! first code that confirms it, then the ten recovery codes, shown once.
//! Used on the account page and on `/two-factor/setup`, where a session the
//! policy keeps to enrolment lands.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::two_factor::{BeginEnrolment, ConfirmEnrolment};
use crate::components::{BTN_PRIMARY, BTN_SECONDARY, CopyButton, Field, INPUT, field_error};

/// The three steps of enrolling; `on_done` runs once the recovery codes are put away.
#[component]
pub fn EnrolFlow(#[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let begin = ServerAction::<BeginEnrolment>::new();
    let confirm = ServerAction::<ConfirmEnrolment>::new();
    let code_error = field_error(confirm.value(), "code");
    let other_error = move || {
        let confirm_err = confirm
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.field().is_none());
        confirm_err
            .or_else(|| begin.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    let codes = move || confirm.value().get().and_then(Result::ok);
    let enrolment = move || begin.value().get().and_then(Result::ok);

    view! {
        <div data-testid="enrol-flow">
            {move || match (codes(), enrolment()) {
                (Some(codes), _) => {
                    let text = codes.join("\n");
                    view! {
                        <div class="space-y-4">
                            <p class="text-sm text-zinc-600 dark:text-zinc-300">
                                "Two-factor sign-in is on. Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. They are shown only now."
                            </p>
                            <ul data-testid="recovery-codes" aria-label="Recovery codes"
                                class="grid grid-cols-2 gap-2 rounded-lg bg-zinc-50 p-4 font-mono text-sm dark:bg-zinc-950">
                                {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                            </ul>
                            <div class="flex flex-wrap gap-2">
                                <CopyButton text=Signal::derive(move || text.clone()) label="Copy codes"/>
                                <button type="button" class=BTN_PRIMARY data-testid="codes-saved" on:click=move |_| on_done.run(())>
                                    "I have saved them"
                                </button>
                            </div>
                        </div>
                    }.into_any()
                }
                (None, Some(e)) => view! {
                    <div class="space-y-4">
                        <p class="text-sm text-zinc-600 dark:text-zinc-300">
                            "Scan this code with an authenticator app (1Password, Google Authenticator, Aegis…), or type the key into it. Then enter the 6-digit code it shows."
                        </p>
                        <div class="flex flex-col items-start gap-4 sm:flex-row">
                            <div role="img" aria-label="QR code of the two-factor key" data-testid="enrol-qr"
                                class="size-48 shrink-0 rounded-lg bg-white p-2 ring-1 ring-zinc-200 dark:ring-zinc-700 [&>svg]:size-full"
                                inner_html=e.qr_svg></div>
                            <div class="min-w-0 space-y-1.5">
                                <p class="text-sm font-medium">"Key"</p>
                                <code data-testid="enrol-secret" class="block break-all rounded bg-zinc-100 px-2 py-1 font-mono text-sm dark:bg-zinc-800">{e.secret.clone()}</code>
                                <p class="text-xs text-zinc-500 dark:text-zinc-400">"Time-based, SHA-1, 6 digits, 30 seconds."</p>
                            </div>
                        </div>
                        <ActionForm action=confirm attr:class="space-y-3" attr:novalidate="">
                            <Field label="Code from the app" id="enrol-code" error=code_error>
                                <input id="enrol-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                    pattern="[0-9]{6}" maxlength="6" required class=format!("{INPUT} max-w-40 font-mono tracking-widest")
                                    aria-invalid=move || code_error.get().is_some().to_string()/>
                            </Field>
                            <button type="submit" class=BTN_PRIMARY disabled=move || confirm.pending().get()>"Turn on"</button>
                        </ActionForm>
                    </div>
                }.into_any(),
                (None, None) => view! {
                    <button type="button" class=BTN_SECONDARY data-testid="enrol-start" disabled=move || begin.pending().get()
                        on:click=move |_| { begin.dispatch(BeginEnrolment {}); }>
                        "Set up two-factor sign-in"
                    </button>
                }.into_any(),
            }}
            <Show when=move || other_error().is_some()>
                <p role="alert" class="mt-3 text-sm font-medium text-red-600 dark:text-red-400">{other_error}</p>
            </Show>
        </div>
    }
    .into_any()
}

/// `/two-factor/setup`: where a user the policy binds enrols before anything else.
#[component]
pub fn EnrolPage() -> impl IntoView {
    crate::mark_hydrated();
    view! {
        <Title text="Set up two-factor sign-in"/>
        <super::super::sign_in::AuthCard title="Set up two-factor sign-in" subtitle="Your administrator requires a second factor before you continue.">
            <EnrolFlow on_done=move |_| {
                // A full load, so the server sees the session anew and renders the console.
                let _ = window().location().set_href("/");
            }/>
            <form method="post" action="/api/session/sign_out" class="mt-6 border-t border-zinc-200 pt-4 dark:border-zinc-800">
                <button type="submit" class="text-sm text-zinc-500 hover:underline dark:text-zinc-400">"Sign out"</button>
            </form>
        </super::super::sign_in::AuthCard>
    }
    .into_any()
}
