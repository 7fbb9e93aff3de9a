//! The previous secret during a rotation's grace period: until when it
//! works, whether it is still used (so a deploy that missed the new secret
//! shows), and a button to end it now.

use keyward::domain::credential::PreviousSecret;
use keyward::domain::time::format_utc;
use leptos::prelude::*;

use crate::api::credentials::EndGrace;
use crate::components::{BTN_SECONDARY, Card, Icon, RelativeTime};

#[component]
pub fn PreviousSecretPanel(
    id: String,
    previous: PreviousSecret,
    can_write: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let action = ServerAction::<EndGrace>::new();
    let value = action.value();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            version.update(|v| *v += 1);
        }
    });
    let error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let ip = previous.last_used_ip.clone();
    view! {
        <div class="mt-6" data-testid="previous-secret">
            <Card title="Previous secret">
                <p class="text-sm">
                    "The secret this one replaced keeps working until "
                    <time class="font-medium">{format_utc(previous.retires_at)}</time>"."
                </p>
                <p class="mt-2 text-sm text-zinc-700 dark:text-zinc-300" data-testid="previous-last-used">
                    "Last used "
                    <RelativeTime ts=previous.last_used_at never="never since the rotation"/>
                    {ip.map(|ip| view! { " from " <span class="font-mono">{ip}</span> })}
                </p>
                {can_write.then(|| view! {
                    <div class="mt-4 flex flex-wrap items-center gap-3">
                        <button
                            type="button"
                            class=BTN_SECONDARY
                            data-testid="end-grace"
                            disabled=move || action.pending().get()
                            on:click={
                                let id = id.clone();
                                move |_| { action.dispatch(EndGrace { id: id.clone() }); }
                            }
                        >
                            <Icon name="trash"/>
                            "End it now"
                        </button>
                        <Show when=move || error().is_some()>
                            <p role="alert" class="text-sm font-medium text-red-600">{error}</p>
                        </Show>
                    </div>
                })}
            </Card>
        </div>
    }
    .into_any()
}
