//! The reveal-once panel: the secret, a copy button, ready-to-paste examples,
//! and an acknowledgement before it can be closed. The secret lives only in
//! this component's memory: it is never in a URL, the history or the page's
//! server-rendered HTML, so a reload or going back cannot show it again.

use keyward::domain::credential::Created;
use leptos::prelude::*;

use crate::components::{BTN_PRIMARY, CHECK, CodeSamples, CopyButton, Icon};

/// Shows a new secret once; `on_done` runs after the user confirms they stored it.
#[component]
pub fn RevealPanel(created: Created, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let stored = RwSignal::new(false);
    let c = created.credential.clone();
    let secret = created.secret.clone();
    let client_id = c.client_id.clone();
    view! {
        <section aria-labelledby="reveal-title" data-testid="reveal" class="space-y-5 rounded-2xl border-2 border-amber-300 bg-white p-6 shadow-lg dark:border-amber-500/40 dark:bg-zinc-900">
            <div class="flex gap-3 rounded-lg bg-amber-50 p-4 text-sm text-amber-900 dark:bg-amber-500/10 dark:text-amber-200" role="alert">
                <Icon name="alert" class="size-5"/>
                <div>
                    <h2 id="reveal-title" class="font-semibold">"Copy this secret now. It will not be shown again."</h2>
                    <p class="mt-1">"Keyward keeps only a keyed hash of it. Store it in your secrets manager or environment, never in version control. If you lose it, rotate the credential."</p>
                </div>
            </div>
            <div class="grid gap-4">
                {client_id.clone().map(|id| view! {
                    <div>
                        <p class="text-sm font-medium">{if c.kind == keyward::domain::CredentialKind::OauthClient { "Client ID" } else { "ID" }}</p>
                        <div class="mt-1.5 flex flex-wrap items-center gap-2">
                            <code class="min-w-0 flex-1 break-all rounded-lg bg-zinc-100 px-3 py-2 font-mono text-sm dark:bg-zinc-800" data-testid="client-id">{id.clone()}</code>
                            <CopyButton text=id label="Copy ID"/>
                        </div>
                    </div>
                })}
                <div>
                    <p class="text-sm font-medium">{if client_id.is_some() { "Secret" } else { "API key" }}</p>
                    <div class="mt-1.5 flex flex-wrap items-center gap-2">
                        <code class="min-w-0 flex-1 break-all rounded-lg bg-zinc-100 px-3 py-2 font-mono text-sm dark:bg-zinc-800" data-testid="secret">{secret.clone()}</code>
                        <CopyButton text=secret.clone() label="Copy secret"/>
                    </div>
                </div>
            </div>
            <div>
                <h3 class="mb-2 text-sm font-medium">"Try it"</h3>
                <CodeSamples kind=c.kind secret=secret client_id=client_id/>
            </div>
            <div class="flex flex-col gap-3 border-t border-zinc-200 pt-4 sm:flex-row sm:items-center sm:justify-between dark:border-zinc-800">
                <label class="flex items-center gap-2 text-sm font-medium">
                    <input type="checkbox" class=CHECK prop:checked=move || stored.get() on:change=move |ev| stored.set(event_target_checked(&ev))/>
                    "I have copied and stored this secret"
                </label>
                <button type="button" class=BTN_PRIMARY disabled=move || !stored.get() on:click=move |_| on_done.run(())>
                    "Done"
                </button>
            </div>
        </section>
    }
    .into_any()
}
