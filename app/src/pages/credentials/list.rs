//! `/credentials`: every credential the user may see, filtered and searched,
//! with the filters in the URL so a view can be shared or reloaded.

use keyward::domain::credential::{CredentialPage, CredentialQuery};
use keyward::domain::{CredentialKind, CredentialStatus, Environment};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::bulk::{BulkBar, BulkRevokeDialog, RowCheckbox, Selection};
use super::encode;
use crate::api::credentials::{form_catalog, list_credentials};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Badge, EmptyState, GrantBadges, INPUT, Icon, LINK, ListCard, PageHeader, RelativeTime,
    StatusBadge, TD, TD_2XL, TD_XL, Table,
};
use crate::shell::use_me;

const FILTERS: [&str; 5] = ["status", "kind", "account", "environment", "q"];

/// The list with its filters, search and pages.
#[component]
pub fn CredentialsPage() -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me());
    let query = use_query_map();
    let get = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let filter = Memo::new(move |_| CredentialQuery {
        account: Some(get("account")).filter(|s| !s.is_empty()),
        status: get("status").parse().ok(),
        kind: get("kind").parse().ok(),
        environment: get("environment").parse().ok(),
        q: Some(get("q")).filter(|s| !s.is_empty()),
        cursor: Some(get("cursor")).filter(|s| !s.is_empty()),
        limit: Some(50),
    });
    let page = Resource::new(move || filter.get(), list_credentials);
    let selection = Selection::new(filter);
    // Another filter or page starts with nothing selected.
    Effect::new(move |_| {
        filter.track();
        selection.clear();
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            selection.page.set(p.items.iter().map(|c| c.id.clone()).collect());
        }
    });
    let refresh = Callback::new(move |()| page.refetch());
    let catalog = Resource::new(|| (), |_| form_catalog());
    let navigate = use_navigate();
    // A new filter starts from the first page; only "cursor" itself keeps one.
    let href_with = move |key: &str, value: &str| {
        let mut pairs: Vec<String> = FILTERS
            .iter()
            .map(|k| (*k, if *k == key { value.to_owned() } else { get(k) }))
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect();
        if key == "cursor" && !value.is_empty() {
            pairs.push(format!("cursor={}", encode(value)));
        }
        if pairs.is_empty() {
            "/credentials".to_owned()
        } else {
            format!("/credentials?{}", pairs.join("&"))
        }
    };
    let set = {
        let navigate = navigate.clone();
        move |key: &'static str, value: String| navigate(&href_with(key, &value), NavigateOptions::default())
    };
    let (s1, s2, s3, s4, s5) = (set.clone(), set.clone(), set.clone(), set.clone(), set);
    let filtered = move || FILTERS.iter().any(|k| !get(k).is_empty());
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(get("q")));

    view! {
        <Title text="Credentials"/>
        <PageHeader title="Credentials" description="API keys, Basic pairs and OAuth clients. Secrets are shown once, when created or rotated.">
            {can_write.then(|| view! {
                <A href="/credentials/new" attr:class=BTN_PRIMARY attr:data-testid="new-credential"><Icon name="plus"/>"New credential"</A>
            })}
        </PageHeader>
        <div class="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-5" role="search">
            <form class="sm:col-span-2 lg:col-span-1" on:submit=move |ev| { ev.prevent_default(); s5("q", search.get_untracked().trim().to_owned()); }>
                <label for="f-q" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Search"</label>
                <input id="f-q" type="search" class=INPUT placeholder="Name or kw_prod_8xK9" prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            </form>
            <div>
                <label for="f-status" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Status"</label>
                <select id="f-status" class=INPUT on:change=move |ev| s1("status", event_target_value(&ev))>
                    <option value="" selected=move || get("status").is_empty()>"Any status"</option>
                    {[CredentialStatus::Active, CredentialStatus::Expiring, CredentialStatus::Expired, CredentialStatus::Revoked]
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=move || get("status") == s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="f-kind" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Kind"</label>
                <select id="f-kind" class=INPUT on:change=move |ev| s2("kind", event_target_value(&ev))>
                    <option value="" selected=move || get("kind").is_empty()>"Any kind"</option>
                    {CredentialKind::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=move || get("kind") == k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="f-account" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Account"</label>
                <select id="f-account" class=INPUT on:change=move |ev| s3("account", event_target_value(&ev))>
                    <option value="" selected=move || get("account").is_empty()>"Any account"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            catalog.await.map(|c| c.accounts).unwrap_or_default().into_iter().map(|a| {
                                let sel = a.clone();
                                view! { <option value=a.clone() selected=move || get("account") == sel>{a.clone()}</option> }
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </div>
            <div>
                <label for="f-env" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Environment"</label>
                <select id="f-env" class=INPUT on:change=move |ev| s4("environment", event_target_value(&ev))>
                    <option value="" selected=move || get("environment").is_empty()>"Any environment"</option>
                    {Environment::ALL.into_iter().map(|e| view! { <option value=e.as_str() selected=move || get("environment") == e.as_str()>{e.label()}</option> }).collect_view()}
                </select>
            </div>
        </div>
        <BulkRevokeDialog selection refresh/>
        <ListCard
            loading_rows=6
            load=move || async move { page.await }
            is_empty=|p: &CredentialPage| p.items.is_empty()
            empty=move || {
                if filtered() {
                    view! {
                        <EmptyState title="No credentials match" description="Try another filter or search." icon="search">
                            <a href="/credentials" class=BTN_SECONDARY>"Clear filters"</a>
                        </EmptyState>
                    }.into_any()
                } else {
                    view! {
                        <EmptyState title="No credentials yet" description="Issue an API key, a Basic pair or an OAuth client. Its secret is shown once, so have a secrets manager ready." icon="key">
                            {can_write.then(|| view! { <a href="/credentials/new" class=BTN_PRIMARY>"Create your first credential"</a> })}
                        </EmptyState>
                    }.into_any()
                }
            }
            rows=move |p: CredentialPage| {
                let next = p.next_cursor.clone().map(|c| href_with("cursor", &c));
                let first = (!get("cursor").is_empty()).then(|| href_with("cursor", ""));
                view! {
                    <BulkBar selection can_write/>
                    <Table label="Credentials" headers=vec!["Select", "Key", "Name", "Status", "Kind", "Account", "Roles & scopes", "Created", "Expires", "Last used"]
                        from_xl=vec!["Roles & scopes"] from_2xl=vec!["Kind", "Account", "Created"] unlabelled=vec!["Select"]>
                        {p.items.into_iter().map(|c| {
                            let href = format!("/credentials/{}", c.id);
                            let (check_id, check_name) = (c.id.clone(), c.name.clone());
                            let row_name = c.name.clone();
                            let link_name = c.name.clone();
                            let title = c.name.clone();
                            let account = c.account.clone();
                            let prefix = format!("{}…", c.prefix);
                            let (kind, env, created, expires, used, status) = (c.kind, c.environment, c.created_at, c.expires_at, c.last_used_at, c.status);
                            view! {
                                <tr class="hover:bg-zinc-50 dark:hover:bg-zinc-800/40" data-credential=row_name>
                                    <RowCheckbox selection id=check_id name=check_name/>
                                    <td data-label="Key" class=format!("{TD} font-mono text-xs")>{prefix}</td>
                                    <td data-label="Name" class=TD><A href=href attr:class=format!("{LINK} inline-block max-w-[12rem] truncate align-bottom") attr:title=title>{link_name}</A></td>
                                    <td data-label="Status" class=TD><StatusBadge status=status/></td>
                                    <td data-label="Kind" class=TD_2XL>{kind.label()}" "<Badge text=env.as_str()/></td>
                                    <td data-label="Account" class=TD_2XL>{account}</td>
                                    <td data-label="Roles & scopes" class=TD_XL><GrantBadges credential=c max=2/></td>
                                    <td data-label="Created" class=TD_2XL><RelativeTime ts=Some(created)/></td>
                                    <td data-label="Expires" class=TD><RelativeTime ts=expires never="Never"/></td>
                                    <td data-label="Last used" class=TD><RelativeTime ts=used/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                    <div class="flex justify-between gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
                        <div>{first.map(|h| view! { <a href=h class=BTN_SECONDARY>"First page"</a> })}</div>
                        <div>{next.map(|h| view! { <a href=h class=BTN_SECONDARY data-testid="next-page">"Next page →"</a> })}</div>
                    </div>
                }.into_any()
            }
        />
    }
    .into_any()
}
