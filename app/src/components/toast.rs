//! Toasts: short confirmations and errors that appear bottom-right and fade.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    good: bool,
    message: String,
}

/// The toast queue, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    fn push(&self, good: bool, message: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| v.push(Toast { id, good, message }));
        let items = self.items;
        set_timeout(
            move || items.update(|v| v.retain(|t| t.id != id)),
            Duration::from_secs(5),
        );
    }

    /// Confirms that something worked.
    pub fn success(&self, message: impl Into<String>) {
        self.push(true, message.into());
    }

    /// Reports that something failed.
    pub fn error(&self, message: impl Into<String>) {
        self.push(false, message.into());
    }
}

/// Creates the queue for this app; call once at the root.
pub fn provide_toasts() {
    provide_context(Toasts {
        items: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    });
}

/// The queue provided at the root.
pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Renders the queue; screen readers hear each toast once.
#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div aria-live="polite" class="pointer-events-none fixed inset-x-4 bottom-4 z-50 flex flex-col items-end gap-2 sm:left-auto sm:right-6 sm:bottom-6">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div
                    role="status"
                    data-toast=if toast.good { "success" } else { "error" }
                    class=if toast.good {
                        "pointer-events-auto flex max-w-sm items-start gap-2 rounded-lg border border-emerald-200 bg-white px-4 py-3 text-sm text-zinc-800 shadow-lg dark:border-emerald-500/30 dark:bg-zinc-900 dark:text-zinc-100"
                    } else {
                        "pointer-events-auto flex max-w-sm items-start gap-2 rounded-lg border border-red-200 bg-white px-4 py-3 text-sm text-zinc-800 shadow-lg dark:border-red-500/30 dark:bg-zinc-900 dark:text-zinc-100"
                    }
                >
                    <span class=if toast.good { "text-emerald-700 dark:text-emerald-400" } else { "text-red-600 dark:text-red-400" }>
                        <super::Icon name=if toast.good { "check" } else { "alert" }/>
                    </span>
                    {toast.message}
                </div>
            </For>
        </div>
    }
}
