//! The console's data table: a scrollable frame with a sticky-looking header.

use leptos::prelude::*;

/// A table with column headings; the rows are the children (`<tr>` elements).
/// On narrow screens it scrolls sideways inside its card instead of squashing.
#[component]
pub fn Table(headers: Vec<&'static str>, children: Children) -> impl IntoView {
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full divide-y divide-zinc-200 text-left text-sm dark:divide-zinc-800">
                <thead class="bg-zinc-50 dark:bg-zinc-900/60">
                    <tr>
                        {headers
                            .into_iter()
                            .map(|h| view! {
                                <th scope="col" class="whitespace-nowrap px-3 py-3 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{h}</th>
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">{children()}</tbody>
            </table>
        </div>
    }
}

/// Class list for a table cell.
pub const TD: &str = "whitespace-nowrap px-3 py-3 text-zinc-700 dark:text-zinc-300";
