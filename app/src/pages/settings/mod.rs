//! `/settings`: how this instance is configured, its signing keys, and how
//! it sends e-mail.

mod smtp;
mod two_factor;

use leptos::prelude::*;
use leptos_meta::Title;

use keyward::domain::time::format_utc;

use crate::api::settings::{RotateSigningKey, instance_info, signing_keys};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Badge, Card, Dialog, ErrorNotice, INPUT, Icon, LoadingRows, PageHeader, RelativeTime,
    TD, Table, Tone, use_toasts,
};
use crate::shell::use_me;

fn duration(secs: i64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[component]
fn Row(#[prop(into)] label: String, value: String) -> impl IntoView {
    view! {
        <div class="grid gap-1 py-3 sm:grid-cols-3 sm:gap-4">
            <dt class="text-sm font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
            <dd class="break-all font-mono text-sm text-zinc-900 sm:col-span-2 dark:text-zinc-100">{value}</dd>
        </div>
    }
    .into_any()
}

/// Instance facts and the token signing keys.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| instance_info());
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings" description="How this Keyward instance runs. Change these with flags or environment variables at start-up."/>
        <Card title="Instance">
            <Transition fallback=|| view! { <LoadingRows/> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(i) => view! {
                            <dl class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                <Row label="Version" value=i.version/>
                                <Row label="Data directory" value=i.data_dir/>
                                <Row label="Public URL" value=i.public_url.unwrap_or_else(|| "not set (KEYWARD_PUBLIC_URL)".into())/>
                                <Row label="Database" value=i.database.clone()/>
                                <Row label=format!("{} journal", i.database) value=i.journal_mode.to_uppercase()/>
                                <Row label=format!("{} synchronous", i.database) value=i.synchronous/>
                                <Row label="Session idle timeout" value=duration(i.session_idle_secs)/>
                                <Row label="Session absolute timeout" value=duration(i.session_max_secs)/>
                            </dl>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
        <div class="mt-6"><SigningKeys/></div>
        <div class="mt-6"><two_factor::TwoFactorCard/></div>
        <div class="mt-6"><smtp::SmtpCard/></div>
    }.into_any()
}

/// The keys that sign access tokens and JWT-format secrets, with rotation.
#[component]
fn SigningKeys() -> impl IntoView {
    let rotate = ServerAction::<RotateSigningKey>::new();
    let keys = Resource::new(move || rotate.version().get(), |_| signing_keys());
    let open = RwSignal::new(false);
    let algorithm = RwSignal::new("ES256".to_owned());
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(k)) = rotate.value().get() {
            open.set(false);
            toasts.success(format!("{} ({}) signs from now on", k.kid, k.algorithm));
        }
    });
    let error = move || match rotate.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <Card title="Signing keys">
            <div class="mb-4 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                <p class="max-w-2xl text-sm text-zinc-500 dark:text-zinc-400">
                    "They sign OAuth access tokens and JWT-format keys. Resource servers fetch the public halves from "
                    <code class="font-mono text-xs">"/.well-known/jwks.json"</code>
                    ". A retired key stays published until every token it signed has expired."
                </p>
                {keyward::authz::offers_changes(&use_me()).then(|| view! {
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(true) data-testid="rotate-signing-key">
                        <Icon name="rotate"/>"Rotate"
                    </button>
                })}
            </div>
            <div class="-mx-5 -mb-5">
                <Transition fallback=|| view! { <LoadingRows/> }>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Ok(list) => view! {
                                <Table headers=vec!["Key ID", "Algorithm", "Created", "Status"]>
                                    {list.into_iter().map(|k| { let kid = k.kid.clone(); view! {
                                        <tr data-kid=kid>
                                            <td class=TD><code class="break-all font-mono text-xs">{k.kid}</code></td>
                                            <td class=TD><Badge text=k.algorithm/></td>
                                            <td class=TD><RelativeTime ts=Some(k.created_at)/></td>
                                            <td class=TD>{match (k.retired_at, k.publish_until) {
                                                (None, _) => view! { <Badge text="Signing" tone=Tone::Good/> }.into_any(),
                                                (Some(_), Some(t)) => view! {
                                                    <span class="flex flex-wrap items-center gap-2"><Badge text="Retiring" tone=Tone::Warn/>
                                                    <span class="text-xs text-zinc-500" title=format_utc(t)>"published until "<RelativeTime ts=Some(t)/></span></span>
                                                }.into_any(),
                                                (Some(_), None) => view! {
                                                    <span class="flex flex-wrap items-center gap-2"><Badge text="Retiring" tone=Tone::Warn/>
                                                    <span class="text-xs text-zinc-500">"published while never-expiring keys it signed exist"</span></span>
                                                }.into_any(),
                                            }}</td>
                                        </tr>
                                    }}).collect_view()}
                                </Table>
                            }.into_any(),
                            Err(e) => view! { <div class="p-5"><ErrorNotice error=e/></div> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </Card>
        <Dialog open title="Rotate the signing key" description="A new key signs every token from now on. Tokens signed by the current key keep verifying until they expire.">
            <label for="signing-alg" class="mb-1.5 block text-sm font-medium">"Algorithm"</label>
            <select id="signing-alg" class=INPUT on:change=move |ev| algorithm.set(event_target_value(&ev))>
                <option value="ES256" selected=true>"ES256 (P-256, fast; the default)"</option>
                <option value="EdDSA">"EdDSA (Ed25519, fast)"</option>
                <option value="RS256">"RS256 (RSA 2048; what RFC 9068 requires every verifier to accept, ~0.8 ms per token)"</option>
            </select>
            <Show when=move || error().is_some()>
                <p role="alert" class="mt-3 text-sm font-medium text-red-600">{error}</p>
            </Show>
            <div class="mt-5 flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class=BTN_PRIMARY disabled=move || rotate.pending().get()
                    on:click=move |_| { rotate.dispatch(RotateSigningKey { algorithm: algorithm.get_untracked() }); }>
                    "Rotate"
                </button>
            </div>
        </Dialog>
    }
    .into_any()
}
