//! `/audit`: every state change, newest first, with filters kept in the URL.

use keyward::domain::audit::AUDIT_ACTIONS;
use keyward::domain::{ActorKind, AuditFilter, AuditPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::accounts::list_accounts;
use crate::api::audit::list_audit;
use crate::components::{
    BTN_SECONDARY, Badge, EmptyState, INPUT, ListCard, PageHeader, RelativeTime, TD, TD_2XL, TD_XL, Table, Tone,
};

const FILTERS: [&str; 4] = ["action", "actor", "account", "target"];

fn action_tone(action: &str) -> Tone {
    if action.ends_with("failed") || action.ends_with("disabled") || action.ends_with("revoked") {
        Tone::Bad
    } else if action.ends_with("created") || action == "setup.completed" {
        Tone::Good
    } else {
        Tone::Neutral
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", js_encode(v)))
        .collect();
    if encoded.is_empty() {
        String::new()
    } else {
        format!("?{}", encoded.join("&"))
    }
}

fn js_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'@' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The audit trail with filters for action, actor, account and target.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let filter = Memo::new(move |_| AuditFilter {
        action: Some(get("action")),
        actor: Some(get("actor")),
        account: Some(get("account")),
        target: Some(get("target")),
        before: get("before").parse().ok(),
        limit: Some(50),
    });
    let page = Resource::new(move || filter.get(), list_audit);
    let accounts = Resource::new(|| (), |_| list_accounts());
    let navigate = use_navigate();
    let set_filter = {
        let navigate = navigate.clone();
        move |key: &'static str, value: String| {
            let pairs: Vec<(&str, String)> = FILTERS
                .iter()
                .map(|k| (*k, if *k == key { value.clone() } else { get(k) }))
                .collect();
            navigate(&format!("/audit{}", query_string(&pairs)), NavigateOptions::default());
        }
    };
    let (sf1, sf2, sf3, sf4) = (set_filter.clone(), set_filter.clone(), set_filter.clone(), set_filter);
    let any_filter = move || FILTERS.iter().any(|k| !get(k).is_empty());

    view! {
        <Title text="Audit log"/>
        <PageHeader title="Audit log" description="Who changed what, when, and from which IP. Entries are never edited or deleted."/>
        <div class="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4" role="search">
            <div>
                <label for="f-action" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Action"</label>
                <select id="f-action" class=INPUT on:change=move |ev| sf1("action", event_target_value(&ev))>
                    <option value="" selected=move || get("action").is_empty()>"All actions"</option>
                    {AUDIT_ACTIONS.iter().map(|a| view! { <option value=*a selected=move || get("action") == *a>{*a}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="f-actor" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Actor"</label>
                <input id="f-actor" class=INPUT placeholder="e-mail or key prefix" prop:value=move || get("actor")
                    on:change=move |ev| sf2("actor", event_target_value(&ev).trim().to_owned())/>
            </div>
            <div>
                <label for="f-account" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Account"</label>
                <select id="f-account" class=INPUT on:change=move |ev| sf3("account", event_target_value(&ev))>
                    <option value="" selected=move || get("account").is_empty()>"All accounts"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            accounts.await.unwrap_or_default().into_iter().map(|a| {
                                let name = a.name.clone();
                                view! { <option value=a.name.clone() selected=move || get("account") == name>{a.name.clone()}</option> }
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </div>
            <div>
                <label for="f-target" class="mb-1 block text-xs font-medium text-zinc-500 dark:text-zinc-400">"Target"</label>
                <input id="f-target" class=INPUT placeholder="user:3, account:acme" prop:value=move || get("target")
                    on:change=move |ev| sf4("target", event_target_value(&ev).trim().to_owned())/>
            </div>
        </div>
        <ListCard
            loading_rows=6
            load=move || async move { page.await }
            is_empty=|p: &AuditPage| p.entries.is_empty()
            empty=move || view! {
                <EmptyState
                    title=if any_filter() { "No entries match these filters" } else { "Nothing recorded yet" }
                    description="Sign-ins, sign-in failures and every change to users, accounts and settings are recorded here."
                    icon="scroll"
                />
            }.into_any()
            rows=move |p: AuditPage| {
                let next = p.next_cursor;
                let pairs: Vec<(&str, String)> = FILTERS.iter().map(|k| (*k, get(k))).collect();
                let first_page = format!("/audit{}", query_string(&pairs));
                let mut older = pairs.clone();
                older.push(("before", next.map(|n| n.to_string()).unwrap_or_default()));
                let older = format!("/audit{}", query_string(&older));
                view! {
                    <Table label="Audit entries" headers=vec!["When", "Actor", "Action", "Target", "Account", "IP", "Details"]
                        from_xl=vec!["Details"] from_2xl=vec!["Account", "IP"]>
                        {p.entries.into_iter().map(|e| {
                            let shown = if e.details == "{}" { String::new() } else { e.details.clone() };
                            view! {
                            <tr data-action=e.action.clone()>
                                <td data-label="When" class=TD><RelativeTime ts=Some(e.at)/></td>
                                <td data-label="Actor" class=format!("{TD} max-w-[12rem] truncate") title=e.actor.clone()>
                                    {e.actor.clone()}
                                    {(e.actor_kind == ActorKind::Credential).then(|| view! { <span class="ml-1 text-xs text-zinc-500 dark:text-zinc-400">"(key)"</span> })}
                                </td>
                                <td data-label="Action" class=TD><Badge text=e.action.clone() tone=action_tone(&e.action)/></td>
                                <td data-label="Target" class=format!("{TD} max-w-[10rem] truncate") title=e.target.clone()>{e.target.clone().unwrap_or_default()}</td>
                                <td data-label="Account" class=TD_2XL>{e.account.unwrap_or_default()}</td>
                                <td data-label="IP" class=format!("{TD_2XL} font-mono text-xs")>{e.ip.unwrap_or_default()}</td>
                                <td data-label="Details" class=format!("{TD_XL} max-w-[10rem] truncate font-mono text-xs") title=e.details>
                                    {shown}
                                </td>
                            </tr>
                        }}).collect_view()}
                    </Table>
                    <div class="flex justify-between gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
                        <a href=first_page class=BTN_SECONDARY>"Newest"</a>
                        {next.map(|_| view! { <a href=older class=BTN_SECONDARY data-testid="audit-older">"Older →"</a> })}
                    </div>
                }.into_any()
            }
        />
    }.into_any()
}
