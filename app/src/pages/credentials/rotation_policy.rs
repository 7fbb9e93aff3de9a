//! A credential's rotation policy on its page: how often its secret is
//! replaced, how the new one reaches the holder, when it is next due, and
//! "Rotate now by policy" behind a confirmation. No secret is ever shown:
//! the policy sends it to the holder, or asks the holder to rotate.

use keyward::domain::credential::{RotationDelivery, RotationPolicy};
use keyward::domain::time::format_utc;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::credentials::RotateByPolicy;
use crate::components::{BTN_PRIMARY, BTN_SECONDARY, Card, Dialog, Icon, LINK, RelativeTime, use_toasts};
use crate::error::ConsoleError;

/// The policy, or that there is none, and the button that applies it now.
#[component]
pub fn RotationPolicyPanel(
    id: String,
    name: String,
    policy: Option<RotationPolicy>,
    due_at: Option<i64>,
    can_write: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let Some(policy) = policy else {
        return view! {
            <div class="mt-6" data-testid="rotation-policy">
                <Card title="Rotation">
                    <p class="text-sm font-medium">"No rotation policy"</p>
                    <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                        "The secret changes only when someone rotates it. Edit the credential to rotate it on a schedule."
                    </p>
                </Card>
            </div>
        }
        .into_any();
    };
    let confirming = RwSignal::new(false);
    let summary = summary(&policy);
    let explanation = explanation(&policy);
    view! {
        <div class="mt-6" data-testid="rotation-policy">
            <Card title="Rotation">
                <p class="text-sm font-medium" data-testid="rotation-summary">{summary}</p>
                {due_at.map(|t| view! {
                    <p class="mt-1 text-sm text-zinc-700 dark:text-zinc-300" data-testid="rotation-due">
                        "Next due " <RelativeTime ts=Some(t)/>
                        <span class="text-zinc-500 dark:text-zinc-400">" ("{format_utc(t)}")"</span>
                    </p>
                })}
                <p class="mt-2 text-sm text-zinc-500 dark:text-zinc-400">{explanation}</p>
                {can_write.then(|| view! {
                    <div class="mt-4">
                        <button type="button" class=BTN_SECONDARY data-testid="rotate-by-policy" on:click=move |_| confirming.set(true)>
                            <Icon name="rotate"/>"Rotate now by policy"
                        </button>
                    </div>
                    <ConfirmDialog id=id.clone() name=name.clone() policy=policy.clone() open=confirming version/>
                })}
            </Card>
        </div>
    }
    .into_any()
}

/// Asks first, saying what is about to happen; then reports and refreshes.
#[component]
fn ConfirmDialog(
    id: String,
    name: String,
    policy: RotationPolicy,
    open: RwSignal<bool>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let action = ServerAction::<RotateByPolicy>::new();
    let value = action.value();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(done)) = value.get() {
            toasts.success(match done.delivery {
                RotationDelivery::Encrypted => format!(
                    "{name} was rotated: its new secret went to the holder, encrypted, in the key.rotated webhook."
                ),
                RotationDelivery::Notify => format!("The holder of {name} was told to rotate it now."),
            });
            open.set(false);
            version.update(|v| *v += 1);
        }
    });
    let error = move || match value.get() {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let no_endpoint =
        move || matches!(value.get(), Some(Err(ConsoleError::Rule { code, .. })) if code == "NO_DELIVERY_ENDPOINT");
    let grace = grace_text(policy.grace_seconds);
    let (description, confirm) = match policy.delivery {
        RotationDelivery::Encrypted => (
            format!(
                "A new secret is issued and sent encrypted to the holder's key, in the key.rotated webhook. The current one keeps working for the grace period ({grace}). The new secret is not shown here."
            ),
            "Rotate and deliver",
        ),
        RotationDelivery::Notify => (
            match policy.enforce_after_days {
                Some(days) => format!(
                    "The holder is told to rotate now (key.rotation_due). Nothing changes until it does; if it has not within {days} days, the credential expires."
                ),
                None => {
                    "The holder is told to rotate now (key.rotation_due). Nothing changes until it does.".to_owned()
                }
            },
            "Notify the holder",
        ),
    };
    let close = move |_| {
        value.set(None);
        open.set(false);
    };
    view! {
        <Dialog open title="Rotate now by policy" description=description>
            <Show when=move || error().is_some()>
                <div role="alert" class="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300" data-testid="rotate-by-policy-error">
                    <p>{move || error().map(|e| e.to_string())}</p>
                    <Show when=no_endpoint>
                        <A href="/webhooks" attr:class=format!("mt-1 inline-block {LINK}")>"Add a webhook endpoint"</A>
                    </Show>
                </div>
            </Show>
            <div class="flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=close>"Cancel"</button>
                <button type="button" class=BTN_PRIMARY disabled=move || action.pending().get()
                    on:click={
                        let id = id.clone();
                        move |_| { action.dispatch(RotateByPolicy { id: id.clone() }); }
                    }>
                    {move || if action.pending().get() { "Working…" } else { confirm }}
                </button>
            </div>
        </Dialog>
    }
    .into_any()
}

/// "Rotates every 90d · notify · grace 24 h".
fn summary(policy: &RotationPolicy) -> String {
    let delivery = match policy.delivery {
        RotationDelivery::Notify => "notify",
        RotationDelivery::Encrypted => "encrypted to the holder's key",
    };
    format!(
        "Rotates every {} · {delivery} · grace {}",
        policy.every,
        grace_text(policy.grace_seconds)
    )
}

/// What happens when it is due, in a sentence.
fn explanation(policy: &RotationPolicy) -> String {
    match policy.delivery {
        RotationDelivery::Notify => {
            let then = policy.enforce_after_days.map_or_else(
                || " Nothing expires if it does not.".to_owned(),
                |d| format!(" If it has not rotated {d} days after it was due, the credential expires."),
            );
            format!("When it is due, the holder is sent key.rotation_due and rotates it itself.{then}")
        }
        RotationDelivery::Encrypted => {
            let kid = policy
                .holder_key
                .as_ref()
                .and_then(|k| k.kid())
                .map(|kid| format!(" ({kid})"))
                .unwrap_or_default();
            format!(
                "When it is due, Keyward rotates it and sends the new secret, encrypted to the holder's key{kid}, in the key.rotated webhook."
            )
        }
    }
}

/// A grace period in the largest unit that states it exactly.
fn grace_text(secs: i64) -> String {
    match secs {
        0 => "none".to_owned(),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward::domain::credential::RotationEvery;

    #[test]
    fn the_summary_reads_as_one_line() {
        let policy = RotationPolicy {
            every: RotationEvery::parse("90d").unwrap(),
            grace_seconds: 86_400,
            delivery: RotationDelivery::Notify,
            enforce_after_days: Some(7),
            holder_key: None,
        };
        assert_eq!(summary(&policy), "Rotates every 90d · notify · grace 24 h");
        assert!(explanation(&policy).contains("7 days after it was due"));
        assert_eq!(grace_text(0), "none");
        assert_eq!(grace_text(90), "90 s");
        assert_eq!(grace_text(1_800), "30 min");
    }
}
