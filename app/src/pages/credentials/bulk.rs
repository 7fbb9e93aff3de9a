//! Bulk work in the credentials list: row checkboxes, "select all on this
//! page", "select all N matching", and a bar that revokes the selection (one
//! confirmation naming the count, then what became of each) or downloads the
//! filtered list as CSV or JSON.

use keyward::domain::credential::{BulkOutcome, BulkSelection, CredentialQuery, ExportFormat};
use leptos::html;
use leptos::prelude::*;

use crate::api::credentials::{RevokeCredentials, count_credentials, export_credentials};
use crate::components::{BTN_DANGER, BTN_PRIMARY, BTN_SECONDARY, CHECK, Dialog, Icon, LINK, TD, use_toasts};
use crate::error::ConsoleError;

/// What is selected in the list (ids on this page, or every credential the
/// filter matches), with how many match and whether the revocation is open.
/// Created once per list, so a new page keeps the dialog and its outcome.
#[derive(Clone, Copy)]
pub(super) struct Selection {
    /// The list's filter.
    filter: Memo<CredentialQuery>,
    /// How many credentials the filter matches in all.
    total: LocalResource<Result<u64, ConsoleError>>,
    /// The revocation dialog.
    revoking: RwSignal<bool>,
    /// Chosen one by one (or all of this page).
    ids: RwSignal<Vec<String>>,
    /// The ids the page shows, in order.
    pub(super) page: RwSignal<Vec<String>>,
    /// "Select all N matching": the filter, not the ids, is the selection.
    all_matching: RwSignal<bool>,
}

impl Selection {
    /// Nothing selected, no page yet.
    pub(super) fn new(filter: Memo<CredentialQuery>) -> Self {
        Self {
            filter,
            total: LocalResource::new(move || count_credentials(unpaged(filter.get()))),
            revoking: RwSignal::new(false),
            ids: RwSignal::new(Vec::new()),
            page: RwSignal::new(Vec::new()),
            all_matching: RwSignal::new(false),
        }
    }

    /// Selects nothing.
    pub(super) fn clear(&self) {
        self.ids.set(Vec::new());
        self.all_matching.set(false);
    }

    fn is_selected(&self, id: &str) -> bool {
        self.all_matching.get() || self.ids.with(|ids| ids.iter().any(|i| i == id))
    }

    fn toggle(&self, id: &str) {
        if self.all_matching.get_untracked() {
            // Unticking one row of "all matching" leaves the rest of this page.
            self.all_matching.set(false);
            self.ids.set(self.page.get_untracked());
        }
        self.ids.update(|ids| match ids.iter().position(|i| i == id) {
            Some(at) => {
                ids.remove(at);
            }
            None => ids.push(id.to_owned()),
        });
    }

    fn total(&self) -> u64 {
        self.total.get().and_then(Result::ok).unwrap_or(0)
    }

    fn count(&self) -> u64 {
        if self.all_matching.get() {
            self.total()
        } else {
            self.ids.with(Vec::len) as u64
        }
    }

    /// What a revocation acts on now.
    fn target(&self) -> BulkSelection {
        if self.all_matching.get_untracked() {
            BulkSelection::Filter {
                query: unpaged(self.filter.get_untracked()),
                confirm_count: self.total.get_untracked().and_then(Result::ok).unwrap_or(0),
            }
        } else {
            BulkSelection::Ids(self.ids.get_untracked())
        }
    }

    fn page_all_selected(&self) -> bool {
        let page = self.page.get();
        !page.is_empty() && (self.all_matching.get() || self.ids.with(|ids| page.iter().all(|p| ids.contains(p))))
    }
}

/// The filter without its page: what "all matching" means.
fn unpaged(q: CredentialQuery) -> CredentialQuery {
    CredentialQuery {
        cursor: None,
        limit: None,
        ..q
    }
}

/// A row's checkbox, labelled with the credential's name for screen readers.
#[component]
pub(super) fn RowCheckbox(selection: Selection, id: String, name: String) -> impl IntoView {
    let checked = {
        let id = id.clone();
        move || selection.is_selected(&id)
    };
    view! {
        <td class=TD>
            <input type="checkbox" class=CHECK aria-label=format!("Select {name}") data-testid="select-row"
                prop:checked=checked on:change=move |_| selection.toggle(&id)/>
        </td>
    }
}

/// The bar above the rows: what is selected, and what to do with it.
#[component]
pub(super) fn BulkBar(selection: Selection, can_write: bool) -> impl IntoView {
    let toggle_page = move |_| {
        if selection.page_all_selected() {
            selection.clear();
        } else {
            selection.all_matching.set(false);
            selection.ids.set(selection.page.get_untracked());
        }
    };
    let more_than_page = move || selection.total() > selection.page.with(Vec::len) as u64;
    let offer_all = move || selection.page_all_selected() && !selection.all_matching.get() && more_than_page();
    let filter = selection.filter;
    view! {
        <div role="region" aria-label="Bulk actions" data-testid="bulk-bar"
            class="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-zinc-200 px-4 py-2 text-sm dark:border-zinc-800">
            <label class="flex items-center gap-2 text-zinc-700 dark:text-zinc-300">
                <input type="checkbox" class=CHECK data-testid="select-page" prop:checked=move || selection.page_all_selected() on:change=toggle_page/>
                "Select all on this page"
            </label>
            <span aria-live="polite" data-testid="selected-count" class="font-medium text-zinc-900 dark:text-zinc-100">
                {move || format!("{} selected", selection.count())}
            </span>
            <Show when=offer_all>
                <button type="button" class=LINK data-testid="select-all-matching" on:click=move |_| selection.all_matching.set(true)>
                    {move || format!("Select all {} matching", selection.total())}
                </button>
            </Show>
            <Show when=move || selection.all_matching.get()>
                <span class="text-zinc-600 dark:text-zinc-400">{move || format!("All {} matching are selected.", selection.total())}</span>
                <button type="button" class=LINK on:click=move |_| selection.clear()>"Clear selection"</button>
            </Show>
            <div class="ml-auto flex flex-wrap gap-2">
                {can_write.then(|| view! {
                    <button type="button" class=BTN_DANGER data-testid="bulk-revoke" disabled=move || selection.count() == 0
                        on:click=move |_| selection.revoking.set(true)><Icon name="trash"/>"Revoke…"</button>
                })}
                <ExportButton filter format=ExportFormat::Csv label="Export CSV"/>
                <ExportButton filter format=ExportFormat::Json label="Export JSON"/>
            </div>
        </div>
    }
}

/// Downloads every credential the filter matches (not only this page) as a
/// file, through the session: the text comes from a server function and is
/// saved by a link the page clicks.
#[component]
fn ExportButton(filter: Memo<CredentialQuery>, format: ExportFormat, label: &'static str) -> impl IntoView {
    let link = NodeRef::<html::A>::new();
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let export = move |_| {
        busy.set(true);
        let query = unpaged(filter.get_untracked());
        leptos::task::spawn_local(async move {
            match export_credentials(query, format).await {
                Ok(text) => {
                    if let Some(a) = link.get_untracked() {
                        let media = match format {
                            ExportFormat::Csv => "text/csv;charset=utf-8",
                            ExportFormat::Json => "application/json;charset=utf-8",
                        };
                        let encoded = String::from(js_sys::encode_uri_component(&text));
                        a.set_href(&format!("data:{media},{encoded}"));
                        a.set_download(format.file_name());
                        a.click();
                    }
                }
                Err(e) => toasts.error(format!("The export failed: {e}")),
            }
            busy.set(false);
        });
    };
    let testid = match format {
        ExportFormat::Csv => "export-csv",
        ExportFormat::Json => "export-json",
    };
    view! {
        <button type="button" class=BTN_SECONDARY data-testid=testid disabled=move || busy.get() on:click=export>{label}</button>
        <a node_ref=link class="hidden" aria-hidden="true" tabindex="-1"></a>
    }
}

/// One confirmation naming how many, then what became of them; afterwards
/// nothing is selected and the list is read again (`refresh`).
#[component]
pub(super) fn BulkRevokeDialog(selection: Selection, refresh: Callback<()>) -> impl IntoView {
    let open = selection.revoking;
    let count = Signal::derive(move || selection.count());
    let action = ServerAction::<RevokeCredentials>::new();
    let value = action.value();
    // Each opening starts with the question, not the last answer.
    Effect::new(move |_| {
        if open.get() {
            value.set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            selection.clear();
            selection.total.refetch();
            refresh.run(());
        }
    });
    let confirm = move |_| {
        action.dispatch(RevokeCredentials {
            selection: selection.target(),
        });
    };
    view! {
        <Dialog open title="Revoke credentials">
            {move || match value.get() {
                None => view! {
                    <p class="text-sm text-zinc-700 dark:text-zinc-300" data-testid="bulk-revoke-question">
                        {move || format!("Revoke {} credential{}? ", count.get(), if count.get() == 1 { "" } else { "s" })}
                        "Each stops working on the next request and is audited on its own. This cannot be undone."
                    </p>
                    <div class="mt-5 flex justify-end gap-2">
                        <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="button" class=BTN_DANGER data-testid="confirm-bulk-revoke"
                            disabled=move || action.pending().get() on:click=confirm>
                            {move || format!("Revoke {}", count.get())}
                        </button>
                    </div>
                }.into_any(),
                Some(Ok(outcome)) => view! {
                    <Outcome outcome/>
                    <div class="mt-5 flex justify-end">
                        <button type="button" class=BTN_PRIMARY on:click=move |_| open.set(false)>"Done"</button>
                    </div>
                }.into_any(),
                Some(Err(e)) => view! {
                    <p role="alert" class="text-sm font-medium text-red-600 dark:text-red-400">{e.to_string()}</p>
                    <div class="mt-5 flex justify-end">
                        <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                    </div>
                }.into_any(),
            }}
        </Dialog>
    }
}

/// How many were revoked, and each one that was not, with why.
#[component]
fn Outcome(outcome: BulkOutcome) -> impl IntoView {
    let failed = outcome.failed.len();
    view! {
        <div role="status" data-testid="bulk-outcome" class="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">
            <p class="font-medium text-zinc-900 dark:text-zinc-100">
                {format!("{} revoked.", outcome.revoked.len())}
                {(failed > 0).then(|| format!(" {failed} not revoked:"))}
            </p>
            {(failed > 0).then(|| view! {
                <ul class="max-h-60 space-y-1 overflow-y-auto" data-testid="bulk-failures">
                    {outcome.failed.into_iter().map(|f| view! {
                        <li><span class="font-mono text-xs">{f.id}</span>": "{f.message}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
