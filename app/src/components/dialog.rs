//! A modal dialog on the native `<dialog>` element: `showModal()` makes the
//! page behind it inert (so focus stays inside), and Esc closes it.

use leptos::html;
use leptos::prelude::*;

/// A modal with a title; `open` shows and hides it, and closing by Esc or the
/// close button sets it back to `false`.
#[component]
pub fn Dialog(
    open: RwSignal<bool>,
    #[prop(into)] title: String,
    #[prop(optional, into)] description: Option<String>,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        if let Some(d) = node.get() {
            if want && !d.open() {
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });
    let title_id = format!(
        "dlg-{}",
        title.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=node
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
            class="m-auto w-[calc(100%-2rem)] max-w-lg rounded-2xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-2xl backdrop:bg-zinc-950/50 backdrop:backdrop-blur-sm dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
        >
            <div class="flex items-start justify-between gap-4 border-b border-zinc-200 px-6 py-4 dark:border-zinc-800">
                <div>
                    <h2 id=title_id class="text-base font-semibold">{title}</h2>
                    {description.map(|d| view! { <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{d}</p> })}
                </div>
                <button
                    type="button"
                    class=super::BTN_GHOST
                    aria-label="Close"
                    on:click=move |_| open.set(false)
                >
                    <super::Icon name="x"/>
                </button>
            </div>
            <div class="px-6 py-5">{children()}</div>
        </dialog>
    }
}
