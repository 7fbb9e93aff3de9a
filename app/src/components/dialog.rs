//! A modal dialog on the native `<dialog>` element: `showModal()` makes the
//! page behind it inert, and Esc closes it. Tab and Shift+Tab wrap around
//! inside it (the browser would otherwise move focus out to its own address
//! bar), and closing puts focus back on whatever opened it.

use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

thread_local! {
    /// What had focus when each open dialog opened, innermost last. Only the
    /// browser touches it (effects and `close` events never run on the
    /// server), and a browser page has one thread.
    static OPENERS: std::cell::RefCell<Vec<Option<web_sys::HtmlElement>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What Tab can reach inside a dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

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
                let active = document().active_element().and_then(|e| e.dyn_into().ok());
                OPENERS.with_borrow_mut(|o| o.push(active));
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });
    let on_close = move |_| {
        open.set(false);
        let opener = OPENERS.with_borrow_mut(Vec::pop).flatten();
        if let Some(el) = opener.filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    };
    let wrap_tab = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(d) = node.get() else { return };
        let Ok(all) = d.query_selector_all(FOCUSABLE) else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..all.length())
            .filter_map(|i| all.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|el| el.offset_parent().is_some())
            .collect();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let active = document().active_element();
        let at = |el: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
        };
        let inside = active.as_ref().is_some_and(|a| d.contains(Some(a)));
        if ev.shift_key() && (at(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (at(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    let title_id = format!(
        "dlg-{}",
        title.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=node
            aria-labelledby=labelled_by
            on:close=on_close
            on:keydown=wrap_tab
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
