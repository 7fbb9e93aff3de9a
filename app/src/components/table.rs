//! The console's data table. From 640 px it is a table whose detail columns
//! give way on narrower screens (so identity, status and dates never end up
//! behind a sideways scroll); below 640 px each row is a card of labelled
//! lines (`style/main.css`, from each cell's `data-label`).

use leptos::prelude::*;

/// A table with column headings; the rows are the children (`<tr>` elements,
/// their cells built with [`TD`], [`TD_XL`] or [`TD_2XL`] and a `data-label`
/// naming their column for the phone's cards).
///
/// `label` names the table for screen readers. The frame can take keyboard
/// focus, so a table that does scroll sideways (a tablet in portrait) can be
/// scrolled without a mouse.
#[component]
pub fn Table(
    label: &'static str,
    headers: Vec<&'static str>,
    /// Headings of columns shown from 1280 px; their cells use [`TD_XL`].
    #[prop(optional)]
    from_xl: Vec<&'static str>,
    /// Headings of columns shown from 1536 px; their cells use [`TD_2XL`].
    #[prop(optional)]
    from_2xl: Vec<&'static str>,
    /// Headings only screen readers hear: the column speaks for itself on
    /// screen (a row's checkbox), and a visible word would only take width.
    #[prop(optional)]
    unlabelled: Vec<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto" data-table="" role="region" aria-label=label tabindex="0">
            <table class="min-w-full divide-y divide-zinc-200 text-left text-sm dark:divide-zinc-800">
                <thead class="bg-zinc-50 dark:bg-zinc-900/60">
                    <tr>
                        {headers
                            .into_iter()
                            .map(|h| {
                                let shown = if from_2xl.contains(&h) {
                                    "hidden 2xl:table-cell"
                                } else if from_xl.contains(&h) {
                                    "hidden xl:table-cell"
                                } else {
                                    ""
                                };
                                // A column of row actions has no visible heading, but
                                // a screen reader still announces one.
                                let text = if h.is_empty() {
                                    view! { <span class="sr-only">"Actions"</span> }.into_any()
                                } else if unlabelled.contains(&h) {
                                    view! { <span class="sr-only">{h}</span> }.into_any()
                                } else {
                                    h.into_any()
                                };
                                view! {
                                    <th scope="col" class=format!("{TH} {shown}")>{text}</th>
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">{children()}</tbody>
            </table>
        </div>
    }
}

const TH: &str =
    "whitespace-nowrap px-3 py-3 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400";

/// Class list for a table cell.
pub const TD: &str = "whitespace-nowrap px-3 py-3 text-zinc-700 dark:text-zinc-300";
/// A cell of a column shown from 1280 px (see [`Table`]'s `from_xl`).
pub const TD_XL: &str = "hidden whitespace-nowrap px-3 py-3 text-zinc-700 xl:table-cell dark:text-zinc-300";
/// A cell of a column shown from 1536 px (see [`Table`]'s `from_2xl`).
pub const TD_2XL: &str = "hidden whitespace-nowrap px-3 py-3 text-zinc-700 2xl:table-cell dark:text-zinc-300";
