//! An on/off switch: a button with `role="switch"`, usable with Space and Enter.

use leptos::prelude::*;

/// A labelled switch. `on_toggle` receives the requested new state; the caller
/// decides whether it takes effect (e.g. after the server agrees).
#[component]
pub fn Switch(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into, optional)] disabled: Signal<bool>,
    #[prop(into)] on_toggle: Callback<bool>,
) -> impl IntoView {
    view! {
        <button
            id=id
            type="button"
            role="switch"
            aria-label=label
            aria-checked=move || checked.get().to_string()
            disabled=move || disabled.get()
            on:click=move |_| on_toggle.run(!checked.get_untracked())
            class=move || format!(
                "relative inline-flex h-6 w-11 shrink-0 cursor-pointer rounded-full border-2 border-transparent transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50 {}",
                if checked.get() { "bg-indigo-600" } else { "bg-zinc-300 dark:bg-zinc-700" },
            )
        >
            <span
                aria-hidden="true"
                class=move || format!(
                    "pointer-events-none inline-block size-5 rounded-full bg-white shadow ring-0 transition-transform {}",
                    if checked.get() { "translate-x-5" } else { "translate-x-0" },
                )
            ></span>
        </button>
    }
}
