//! The form's rotation section: whether the secret is replaced on a
//! schedule, how often, how long the previous one keeps working, and how the
//! new one reaches its holder (told to rotate itself, or sent encrypted to
//! the holder's public key). The rules are the core's own: `RotationEvery`,
//! `HolderKey` and `RotationPolicy::check`.

use keyward::domain::CredentialKind;
use keyward::domain::credential::{RotationDelivery, RotationPolicy};
use leptos::prelude::*;

use super::checks::error_for;
use super::rotation_fields::{ENFORCE, EVERY, GRACE, HOLDER_KEY};
use super::state::{FormState, Mode};
use crate::components::{CHECK, Field, INPUT};

/// The intervals offered as one click.
const PRESETS: [(&str, &str); 4] = [
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("180d", "180 days"),
    ("365d", "1 year"),
];
impl FormState {
    /// The policy to send: none for an application, whose secret never rotates.
    pub(super) fn rotation_value(&self) -> Result<Option<RotationPolicy>, Vec<(&'static str, String)>> {
        if self.kind.get() == CredentialKind::Application {
            return Ok(None);
        }
        self.rotation.policy()
    }
}

/// The "Rotation" section: a switch, then the interval, the grace period
/// and the delivery with what that delivery needs.
#[component]
pub(super) fn RotationSection(state: FormState, mode: Mode) -> impl IntoView {
    let r = state.rotation;
    let every_touched = RwSignal::new(false);
    let key_touched = RwSignal::new(false);
    let every_error = error_for(state, mode, EVERY, every_touched);
    let grace_error = error_for(state, mode, GRACE, RwSignal::new(true));
    let enforce_error = error_for(state, mode, ENFORCE, RwSignal::new(true));
    let key_error = error_for(state, mode, HOLDER_KEY, key_touched);
    let invalid = |e: Signal<Option<String>>| move || e.get().is_some().to_string();
    let delivery = move |d: RotationDelivery, title: &'static str, help: &'static str| {
        let id = format!("cred-rotation-{}", d.as_str());
        let help_id = format!("{id}-help");
        view! {
            <div class="flex items-start gap-3 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-700">
                <input type="radio" name="cred-rotation-delivery" id=id.clone() value=d.as_str() class=format!("{CHECK} mt-0.5")
                    aria-describedby=help_id.clone()
                    prop:checked=move || r.delivery.get() == d on:change=move |_| r.delivery.set(d)/>
                <div>
                    <label for=id class="block font-medium">{title}</label>
                    <p id=help_id class="text-zinc-500 dark:text-zinc-400">{help}</p>
                </div>
            </div>
        }
    };
    view! {
        <fieldset data-testid="rotation">
            <legend class="text-sm font-medium">"Rotation"</legend>
            <div class="mt-3 flex items-start gap-3 text-sm">
                <input id="cred-rotate" type="checkbox" class=format!("{CHECK} mt-0.5") aria-describedby="cred-rotate-help"
                    prop:checked=move || r.enabled.get() on:change=move |ev| r.enabled.set(event_target_checked(&ev))/>
                <div>
                    <label for="cred-rotate" class="block font-medium">"Rotate on a schedule"</label>
                    <p id="cred-rotate-help" class="text-zinc-500 dark:text-zinc-400">
                        "Replace the secret at a fixed interval. After each rotation the previous secret keeps working for the grace period."
                    </p>
                </div>
            </div>
            <Show when=move || r.enabled.get()>
                <div class="mt-4 grid gap-5 sm:grid-cols-2">
                    <Field label="Every" id="cred-rotation-every" error=every_error
                        hint="Hours or days, like 12h or 90d: from 1 hour to 730 days.">
                        <input id="cred-rotation-every" class=format!("{INPUT} font-mono") autocomplete="off" placeholder="90d"
                            aria-invalid=invalid(every_error) aria-describedby="cred-rotation-every-error"
                            prop:value=move || r.every.get()
                            on:input=move |ev| { r.every.set(event_target_value(&ev)); every_touched.set(true); }/>
                        <div class="flex flex-wrap gap-1.5" role="group" aria-label="Common intervals">
                            {PRESETS.into_iter().map(|(value, label)| view! {
                                <button type="button" aria-pressed=move || (r.every.get().trim() == value).to_string()
                                    class="rounded-full border border-zinc-300 px-2.5 py-0.5 text-xs font-medium text-zinc-700 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-indigo-500 aria-pressed:border-indigo-500 aria-pressed:bg-indigo-50 aria-pressed:text-indigo-700 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-pressed:bg-indigo-500/15 dark:aria-pressed:text-indigo-300"
                                    on:click=move |_| { r.every.set(value.into()); every_touched.set(true); }>
                                    {label}
                                </button>
                            }).collect_view()}
                        </div>
                    </Field>
                    <Field label="Grace period (hours)" id="cred-rotation-grace" error=grace_error
                        hint="How long the previous secret keeps working after each rotation: up to 720 hours, and shorter than the interval.">
                        <input id="cred-rotation-grace" type="number" min="0" max="720" step="any" class=INPUT
                            aria-invalid=invalid(grace_error) aria-describedby="cred-rotation-grace-error"
                            prop:value=move || r.grace_hours.get() on:input=move |ev| r.grace_hours.set(event_target_value(&ev))/>
                    </Field>
                </div>
                <fieldset class="mt-4">
                    <legend class="text-sm font-medium">"Delivery"</legend>
                    <div class="mt-2 grid gap-2 sm:grid-cols-2">
                        {delivery(RotationDelivery::Notify, "Notify the holder (it rotates itself)",
                            "When it is due, Keyward sends key.rotation_due; the holder calls POST /v1/keys/self/rotate.")}
                        {delivery(RotationDelivery::Encrypted, "Deliver encrypted to the holder's public key",
                            "When it is due, Keyward rotates and sends the new secret in the key.rotated webhook, as a JWE only the holder can open.")}
                    </div>
                </fieldset>
                <div class="mt-4 grid gap-5 sm:grid-cols-2">
                    <Show when=move || r.delivery.get() == RotationDelivery::Notify>
                        <Field label="Expire if not rotated within (days)" id="cred-rotation-enforce" error=enforce_error
                            hint="Optional: 1 to 365 days after it is due. Empty: it never expires for this.">
                            <input id="cred-rotation-enforce" type="number" min="1" max="365" class=INPUT placeholder="never"
                                aria-invalid=invalid(enforce_error) aria-describedby="cred-rotation-enforce-error"
                                prop:value=move || r.enforce_days.get() on:input=move |ev| r.enforce_days.set(event_target_value(&ev))/>
                        </Field>
                    </Show>
                    <Show when=move || r.delivery.get() == RotationDelivery::Encrypted>
                        <div class="sm:col-span-2">
                            <Field label="Holder's public key (JWK)" id="cred-rotation-holder-key" error=key_error
                                hint="EC P-256 or X25519, the public part only (no \"d\"): the private key stays with the holder.">
                                <textarea id="cred-rotation-holder-key" rows="5" spellcheck="false" class=format!("{INPUT} font-mono text-xs")
                                    placeholder=r#"{"kty": "EC", "crv": "P-256", "x": "…", "y": "…"}"#
                                    aria-invalid=invalid(key_error) aria-describedby="cred-rotation-holder-key-error"
                                    prop:value=move || r.holder_key.get()
                                    on:input=move |ev| { r.holder_key.set(event_target_value(&ev)); key_touched.set(true); }></textarea>
                            </Field>
                        </div>
                    </Show>
                </div>
            </Show>
        </fieldset>
    }
    .into_any()
}
