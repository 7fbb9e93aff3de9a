//! The reveal-once panel: the secret, a copy button, ready-to-paste examples,
//! and an acknowledgement before it can be closed. The secret lives only in
//! this component's memory: it is never in a URL, the history or the page's
//! server-rendered HTML, so a reload or going back cannot show it again.

use keyward::domain::credential::Created;
use leptos::prelude::*;

use keyward::domain::CredentialKind;

use crate::components::{ApplicationSamples, BTN_PRIMARY, CHECK, CodeSamples, CopyButton, Icon, SampleKeys};

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
                    <p class="mt-1">
                        {if c.kind == CredentialKind::Application {
                            "Store the application secret and the consumer key in your secrets manager or environment, never in version control. If the application secret leaks, rotate it (its consumer keys stay); a lost consumer key is revoked on the application's page."
                        } else {
                            "Keyward keeps only a keyed hash of it. Store it in your secrets manager or environment, never in version control. If you lose it, rotate the credential."
                        }}
                    </p>
                </div>
            </div>
            {if c.kind == CredentialKind::Application {
                application_keys(&created).into_any()
            } else {
                view! {
                    <div class="grid gap-4">
                        {client_id.clone().map(|id| view! {
                            <SecretRow
                                label=if c.kind == CredentialKind::OauthClient { "Client ID" } else { "ID" }
                                value=id copy_label="Copy ID" testid="client-id"/>
                        })}
                        <SecretRow label=if client_id.is_some() { "Secret" } else { "API key" } value=secret.clone() copy_label="Copy secret" testid="secret"/>
                    </div>
                    <div>
                        <h3 class="mb-2 text-sm font-medium">"Try it"</h3>
                        <CodeSamples kind=c.kind secret=secret client_id=client_id/>
                    </div>
                }.into_any()
            }}
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

/// One value shown once, with its copy button.
#[component]
fn SecretRow(label: &'static str, value: String, copy_label: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <div>
            <p class="text-sm font-medium">{label}</p>
            <div class="mt-1.5 flex flex-wrap items-center gap-2">
                <code class="min-w-0 flex-1 break-all rounded-lg bg-zinc-100 px-3 py-2 font-mono text-sm dark:bg-zinc-800" data-testid=testid>{value.clone()}</code>
                <CopyButton text=value label=copy_label/>
            </div>
        </div>
    }
}

/// An application's three values: its key (public), its secret and its first
/// consumer key (both shown only here), and samples filled with them.
fn application_keys(created: &Created) -> impl IntoView + use<> {
    let keys = SampleKeys {
        application_key: created.credential.client_id.clone().unwrap_or_default(),
        application_secret: Some(created.secret.clone()),
        consumer_key: created.consumer_key.clone(),
    };
    view! {
        <div class="grid gap-4">
            <SecretRow label="Application key" value=keys.application_key.clone() copy_label="Copy application key" testid="application-key"/>
            <SecretRow label="Application secret" value=created.secret.clone() copy_label="Copy application secret" testid="application-secret"/>
            {keys.consumer_key.clone().map(|ck| view! {
                <SecretRow label="Consumer key" value=ck copy_label="Copy consumer key" testid="consumer-key"/>
            })}
        </div>
        <div>
            <h3 class="mb-2 text-sm font-medium">"Try it"</h3>
            <ApplicationSamples keys base_path="/1.0"/>
        </div>
    }
}
