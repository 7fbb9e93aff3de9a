//! The scope picker: one group per catalog resource, narrowed by a filter box,
//! with the chosen scopes summarised above so a filter never hides what the
//! credential will hold. Built for catalogs of dozens of resources.

use leptos::prelude::*;

use super::state::FormState;
use crate::components::{BTN_GHOST, INPUT, Icon};

/// The choices of a resource's level, as `(value, label)`: `admin` includes
/// `write`, `write` includes `read`, and `*` is every action.
const LEVELS: [(&str, &str); 5] = [
    ("", "—"),
    ("read", "read"),
    ("write", "write"),
    ("admin", "admin"),
    ("*", "* (all actions)"),
];

/// Above this many rows the list scrolls inside a fixed height, so typing in
/// the filter never moves the rest of the form.
const SCROLL_AFTER: usize = 12;

/// The action held on `resource` (empty for none): one scope per resource.
fn held(scopes: &[String], resource: &str) -> String {
    scopes
        .iter()
        .find_map(|s| {
            s.split_once(':')
                .filter(|(r, _)| *r == resource)
                .map(|(_, a)| a.to_owned())
        })
        .unwrap_or_default()
}

/// Whether a row shows for `query` (already lower-cased and trimmed): its
/// resource matches, or the scope it holds does (`admin` finds every row
/// granted admin), or `all` for the `*` row.
fn matches(query: &str, resource: &str, action: &str) -> bool {
    query.is_empty()
        || resource.contains(query)
        || (!action.is_empty() && format!("{resource}:{action}").contains(query))
        || (resource == "*" && "all".contains(query))
}

/// One row per catalog resource (and `*` first, which grants on every
/// resource): none, read, write, admin or every action. Each row keeps its
/// `<select>` labelled with the bare resource name, as before the filter came.
#[component]
pub(super) fn ScopePicker(state: FormState, resources: Vec<String>) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let query = Memo::new(move |_| filter.get().trim().to_lowercase());
    let rows: Vec<String> = std::iter::once("*".to_owned()).chain(resources).collect();
    let total = rows.len();
    let long = total > SCROLL_AFTER;
    let rows = StoredValue::new(rows);
    let set = move |resource: &str, action: &str| {
        state.scopes.update(|list| {
            list.retain(|s| s.split_once(':').is_none_or(|(r, _)| r != resource));
            if !action.is_empty() {
                list.push(format!("{resource}:{action}"));
            }
            list.sort();
        });
    };
    let shown = Memo::new(move |_| {
        let (q, scopes) = (query.get(), state.scopes.get());
        rows.with_value(|rows| rows.iter().filter(|r| matches(&q, r, &held(&scopes, r))).count())
    });
    let clear = move |_| filter.set(String::new());

    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Scopes"</legend>
            <p class="mt-1 text-xs text-zinc-600 dark:text-zinc-400">"admin includes write, write includes read. The * row grants on every resource."</p>
            <SelectedScopes state on_remove=move |r: String| set(&r, "")/>
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <div class="min-w-48 flex-1">
                    <label for="scope-filter" class="block text-xs font-medium text-zinc-700 dark:text-zinc-300">"Filter scopes"</label>
                    <input id="scope-filter" type="search" class=format!("{INPUT} mt-1") autocomplete="off" placeholder="Resource or action, e.g. compute or admin"
                        aria-controls="scope-rows"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            // Enter would submit the whole form; Escape empties the filter.
                            if ev.key() == "Enter" { ev.prevent_default(); }
                            if ev.key() == "Escape" && !filter.get_untracked().is_empty() { ev.prevent_default(); filter.set(String::new()); }
                        }/>
                </div>
                <p class="pb-2 text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite" data-testid="scope-count">
                    {move || format!("{} of {total} resources", shown.get())}
                </p>
            </div>
            <div id="scope-rows" role="region" aria-label="Scope resources" tabindex="0"
                class=format!("mt-3 rounded-lg focus-visible:outline-2 focus-visible:outline-indigo-500 {}", if long { "h-80 overflow-y-auto border border-zinc-200 p-2 dark:border-zinc-700" } else { "" })>
                <div class="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
                    {rows.get_value().into_iter().map(|resource| {
                        let id = format!("scope-{}", if resource == "*" { "all" } else { &resource });
                        let label = if resource == "*" { "* (all)".to_owned() } else { resource.clone() };
                        let (r1, r2, r3) = (resource.clone(), resource.clone(), resource.clone());
                        let visible = move || matches(&query.get(), &r3, &held(&state.scopes.get(), &r3));
                        view! {
                            <div class="flex items-center justify-between gap-3 rounded-lg border border-zinc-200 px-3 py-2 dark:border-zinc-700"
                                class:hidden=move || !visible() data-testid="scope-row">
                                <label for=id.clone() class="min-w-0 truncate font-mono text-sm" title=label.clone()>{label.clone()}</label>
                                <select id=id class="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
                                    on:change=move |ev| set(&r1, &event_target_value(&ev))>
                                    {LEVELS.into_iter().map(|(value, text)| {
                                        let r = r2.clone();
                                        view! { <option value=value selected=move || held(&state.scopes.get(), &r) == value>{text}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <Show when=move || shown.get() == 0>
                    <div class="flex flex-col items-center gap-2 py-8 text-center text-sm text-zinc-600 dark:text-zinc-400" data-testid="scope-empty">
                        <p>{move || format!("No scope matches “{}”.", filter.get().trim())}</p>
                        <button type="button" class=BTN_GHOST on:click=clear>"Clear filter"</button>
                    </div>
                </Show>
            </div>
        </fieldset>
    }
    .into_any()
}

/// The scopes chosen so far, each with a remove button: they stay in sight
/// (and removable) while the filter hides their rows.
#[component]
fn SelectedScopes(state: FormState, on_remove: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="mt-3 flex min-h-8 flex-wrap items-center gap-2 text-sm" data-testid="selected-scopes">
            <span class="text-xs font-medium text-zinc-700 dark:text-zinc-300">"Selected:"</span>
            <Show when=move || !state.scopes.get().is_empty()
                fallback=|| view! { <span class="text-xs text-zinc-600 dark:text-zinc-400">"none"</span> }>
                <ul class="flex flex-wrap gap-2" aria-label="Selected scopes">
                    <For each=move || state.scopes.get() key=|s| s.clone() let:scope>
                        {
                            let resource = scope.split_once(':').map_or(scope.clone(), |(r, _)| r.to_owned());
                            view! {
                                <li class="inline-flex items-center gap-1 rounded-full bg-indigo-50 py-0.5 pl-2.5 pr-1 font-mono text-xs text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">
                                    {scope.clone()}
                                    <button type="button" aria-label=format!("Remove {scope}")
                                        class="rounded-full p-0.5 hover:bg-indigo-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-indigo-900"
                                        on:click=move |_| on_remove(resource.clone())>
                                        <Icon name="x"/>
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_matches_its_resource_or_the_scope_it_holds() {
        assert!(matches("", "compute", ""));
        assert!(matches("comp", "compute", ""));
        assert!(!matches("stor", "compute", ""));
        assert!(matches("admin", "compute", "admin"));
        assert!(matches("compute:wr", "compute", "write"));
        assert!(!matches("admin", "compute", ""));
        assert!(matches("all", "*", ""));
    }

    #[test]
    fn a_resource_holds_at_most_one_action() {
        let scopes = vec!["compute:write".to_owned(), "keys:*".to_owned()];
        assert_eq!(held(&scopes, "compute"), "write");
        assert_eq!(held(&scopes, "keys"), "*");
        assert_eq!(held(&scopes, "storage"), "");
    }
}
