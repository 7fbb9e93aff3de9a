//! Settings → Signing keys: the key that signs, the next one published ahead
//! by the schedule, and the retiring ones, each with its dates, and the
//! manual rotation.

use leptos::prelude::*;

use keyward::domain::SigningKeyInfo;
use keyward::domain::signing_key::SigningKeyState;
use keyward::domain::time::format_utc;

use crate::api::settings::{RotateSigningKey, signing_keys};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Badge, Card, Dialog, ErrorNotice, INPUT, Icon, LoadingRows, RelativeTime, TD, Table,
    Tone, use_toasts,
};
use crate::shell::use_me;

/// The keys that sign access tokens and JWT-format secrets, with rotation.
#[component]
pub fn SigningKeys() -> impl IntoView {
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
                    ". On a rotation schedule, the next key is published there ahead of the moment it starts signing, so servers that cache the keys already hold it. A retired key stays published until every token it signed has expired."
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
                                <Table label="Signing keys" headers=vec!["Key ID", "Algorithm", "Created", "Signing", "Status"]>
                                    {list.into_iter().map(|k| view! { <KeyRow k/> }).collect_view()}
                                </Table>
                            }.into_any(),
                            Err(e) => view! { <div class="p-5"><ErrorNotice error=e/></div> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </Card>
        <Dialog open title="Rotate the signing key" description="A new key signs every token from now on. Tokens signed by the current key keep verifying until they expire. A next key published ahead by the schedule is withdrawn; the schedule counts from the new key.">
            <label for="signing-alg" class="mb-1.5 block text-sm font-medium">"Algorithm"</label>
            <select id="signing-alg" class=INPUT on:change=move |ev| algorithm.set(event_target_value(&ev))>
                <option value="ES256" selected=true>"ES256 (P-256, fast; the default)"</option>
                <option value="EdDSA">"EdDSA (Ed25519, fast)"</option>
                <option value="RS256">"RS256 (RSA 2048; what RFC 9068 requires every verifier to accept, ~0.8 ms per token)"</option>
            </select>
            <Show when=move || error().is_some()>
                <p role="alert" class="mt-3 text-sm font-medium text-red-600 dark:text-red-400">{error}</p>
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

/// One key: when it started, starts or stopped signing, and where it stands.
#[component]
fn KeyRow(k: SigningKeyInfo) -> impl IntoView {
    let muted = "text-xs text-zinc-500 dark:text-zinc-400";
    let signing = match (k.state, k.retired_at) {
        (SigningKeyState::Current, _) => {
            view! { <span class=muted>"started "<RelativeTime ts=Some(k.activates_at)/></span> }.into_any()
        }
        (SigningKeyState::Next, _) => {
            view! { <span class=muted>"starts "<RelativeTime ts=Some(k.activates_at)/></span> }.into_any()
        }
        (SigningKeyState::Retiring, Some(t)) => {
            view! { <span class=muted>"stopped "<RelativeTime ts=Some(t)/></span> }.into_any()
        }
        (SigningKeyState::Retiring, None) => view! { <span class=muted>"stopped"</span> }.into_any(),
    };
    let status = match (k.state, k.retired_at, k.publish_until) {
        (SigningKeyState::Current, ..) => view! { <Badge text="Signing" tone=Tone::Good/> }.into_any(),
        (SigningKeyState::Next, ..) => view! {
            <span class="flex flex-wrap items-center gap-2"><Badge text="Next" tone=Tone::Info/>
            <span class=muted title=format_utc(k.activates_at)>"published ahead"</span></span>
        }
        .into_any(),
        // The next key took over moments ago; the schedule records it within seconds.
        (SigningKeyState::Retiring, None, _) => view! { <Badge text="Retiring" tone=Tone::Warn/> }.into_any(),
        (SigningKeyState::Retiring, Some(_), Some(t)) => view! {
            <span class="flex flex-wrap items-center gap-2"><Badge text="Retiring" tone=Tone::Warn/>
            <span class=muted title=format_utc(t)>"leaves the JWKS "<RelativeTime ts=Some(t)/></span></span>
        }
        .into_any(),
        (SigningKeyState::Retiring, Some(_), None) => view! {
            <span class="flex flex-wrap items-center gap-2"><Badge text="Retiring" tone=Tone::Warn/>
            <span class=muted>"published while never-expiring keys it signed exist"</span></span>
        }
        .into_any(),
    };
    let kid = k.kid.clone();
    view! {
        <tr data-kid=kid data-state=k.state.as_str()>
            <td data-label="Key ID" class=TD><code class="break-all font-mono text-xs">{k.kid}</code></td>
            <td data-label="Algorithm" class=TD><Badge text=k.algorithm/></td>
            <td data-label="Created" class=TD><RelativeTime ts=Some(k.created_at)/></td>
            <td data-label="Signing" class=TD>{signing}</td>
            <td data-label="Status" class=TD>{status}</td>
        </tr>
    }
    .into_any()
}
