//! Copy-to-clipboard with a visible "Copied" confirmation.

use leptos::prelude::*;
use std::time::Duration;

use super::{BTN_SECONDARY, Icon};

/// A button that copies `text` and says "Copied" for two seconds.
#[component]
pub fn CopyButton(#[prop(into)] text: Signal<String>, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let value = text.get_untracked();
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&value);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                copied.set(true);
                set_timeout(move || copied.set(false), Duration::from_secs(2));
            }
        });
    };
    view! {
        <button type="button" class=BTN_SECONDARY on:click=copy aria-live="polite" data-testid="copy">
            <Icon name=move || if copied.get() { "check" } else { "copy" }/>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
