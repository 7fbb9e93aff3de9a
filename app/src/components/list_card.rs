//! The card every list page is built on, so each page writes only its rows
//! and its empty state, and no list ever renders as a blank box.

use leptos::prelude::*;
use std::future::Future;

use super::{Card, ErrorNotice, LoadingRows};
use crate::error::ConsoleError;

/// A card holding one list loaded from the server: placeholder rows while it
/// loads (the old rows stay while it reloads), `empty` when it has nothing,
/// the error in its place when it fails, and otherwise what `rows` makes of it.
#[component]
pub fn ListCard<T, Load, Fut, Empty, Rows>(
    /// Awaits the list (usually one resource; a page needing more awaits them all).
    load: Load,
    /// Whether the loaded value has nothing to show.
    is_empty: fn(&T) -> bool,
    /// What to show for an empty list: why, and what to do next.
    empty: Empty,
    /// The table (and anything under it) for a list with something in it.
    rows: Rows,
    /// The card's heading, if it has one.
    #[prop(optional, into)]
    title: Option<String>,
    /// How many placeholder rows to show while loading.
    #[prop(default = 3)]
    loading_rows: usize,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    Load: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ConsoleError>> + Send + 'static,
    Empty: Fn() -> AnyView + Clone + Send + Sync + 'static,
    Rows: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    let body = move || {
        let (load, empty, rows) = (load.clone(), empty.clone(), rows.clone());
        Suspend::new(async move {
            match load().await {
                Ok(list) if is_empty(&list) => empty(),
                Ok(list) => rows(list),
                Err(e) => view! { <div class="p-5"><ErrorNotice error=e/></div> }.into_any(),
            }
        })
    };
    let card = move || {
        view! {
            <div class="-m-5">
                <Transition fallback=move || view! { <LoadingRows rows=loading_rows/> }>{body.clone()}</Transition>
            </div>
        }
    };
    match title {
        Some(title) => view! { <Card title>{card()}</Card> }.into_any(),
        None => view! { <Card>{card()}</Card> }.into_any(),
    }
}
