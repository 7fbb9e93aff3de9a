//! The dashboard's traffic section: requests over time for the install or one
//! account, the busiest credentials, the top refusal reasons and the keys
//! nobody uses. The range and account live in the query string, so the server
//! renders the chosen view and every choice is a plain link.

use keyward::domain::usage::{CredentialTraffic, RefusalCount, UsageOverview};
use keyward::domain::{Account, Credential};
use keyward::policy::VerifyCode;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::ShortList;
use crate::api::usage::traffic;
use crate::components::{BTN_GHOST, Card, ErrorNotice, INPUT, LINK, LoadingRows, TD, Table, UsageChart};
use crate::error::ConsoleError;
use crate::pages::credentials::encode;

const RANGES: [(i64, &str); 3] = [(1, "24 h"), (7, "7 days"), (30, "30 days")];
const DEFAULT_DAYS: i64 = 7;

fn href(account: Option<&str>, days: i64) -> String {
    let mut pairs = Vec::new();
    if let Some(a) = account {
        pairs.push(format!("account={}", encode(a)));
    }
    if days != DEFAULT_DAYS {
        pairs.push(format!("days={days}"));
    }
    if pairs.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", pairs.join("&"))
    }
}

/// The section, with its account picker and range links.
#[component]
pub fn Traffic(accounts: Resource<Result<Vec<Account>, ConsoleError>>) -> impl IntoView {
    let query = use_query_map();
    let account = Memo::new(move |_| query.with(|q| q.get("account")).filter(|a| !a.is_empty()));
    let days = Memo::new(move |_| {
        query
            .with(|q| q.get("days"))
            .and_then(|d| d.parse().ok())
            .filter(|d| RANGES.iter().any(|(r, _)| r == d))
            .unwrap_or(DEFAULT_DAYS)
    });
    let overview = Resource::new(move || (account.get(), days.get()), |(a, d)| traffic(a, d));
    let navigate = use_navigate();
    let pick = move |ev| {
        let a = event_target_value(&ev);
        navigate(
            &href(Some(a.as_str()).filter(|a| !a.is_empty()), days.get_untracked()),
            NavigateOptions::default(),
        );
    };
    view! {
        <section class="mt-8" aria-labelledby="traffic-heading" data-testid="traffic">
            <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
                <h2 id="traffic-heading" class="text-sm font-semibold text-zinc-500 dark:text-zinc-400">"Traffic"</h2>
                <div class="flex flex-wrap items-center gap-2">
                    <label for="traffic-account" class="sr-only">"Account"</label>
                    <select id="traffic-account" class=INPUT.replace("w-full", "w-auto min-w-40") on:change=pick>
                        <option value="" selected=move || account.get().is_none()>"All accounts"</option>
                        <Transition>
                            {move || Suspend::new(async move {
                                accounts.await.unwrap_or_default().into_iter().map(|a| {
                                    let (name, value, text) = (a.name.clone(), a.name.clone(), a.name);
                                    view! { <option value=value selected=move || account.get().as_deref() == Some(name.as_str())>{text}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                    <div class="flex gap-1" role="group" aria-label="Range">
                        {RANGES.into_iter().map(|(d, text)| view! {
                            <a href=move || href(account.get().as_deref(), d) class=BTN_GHOST
                                aria-current=move || (days.get() == d).then_some("true")
                                class:bg-zinc-100=move || days.get() == d class:dark:bg-zinc-800=move || days.get() == d>{text}</a>
                        }).collect_view()}
                    </div>
                </div>
            </div>
            <Transition fallback=|| view! { <LoadingRows rows=4/> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <Overview overview=o/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn Overview(overview: UsageOverview) -> impl IntoView {
    let total: i64 = overview.buckets.iter().map(|b| b.count).sum();
    let scope = overview.account.clone().unwrap_or_else(|| "all accounts".to_owned());
    view! {
        <Card title=format!("Requests · {scope} · {total} calls")>
            <UsageChart granularity=overview.granularity from=overview.from to=overview.to buckets=overview.buckets/>
        </Card>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Card title="Top credentials by traffic">
                <TopCredentials top=overview.top/>
            </Card>
            <Card title="Top refusal reasons">
                <Refusals refusals=overview.refusals/>
            </Card>
        </div>
        <div class="mt-6">
            <Card title="Unused for 30 days">
                <Unused unused=overview.unused count=overview.unused_count/>
            </Card>
        </div>
    }
    .into_any()
}

#[component]
fn TopCredentials(top: Vec<CredentialTraffic>) -> impl IntoView {
    if top.is_empty() {
        return view! { <p class="text-sm text-zinc-500 dark:text-zinc-400">"No calls in this range."</p> }.into_any();
    }
    view! {
        <div class="-m-5" data-testid="top-credentials">
            <Table label="Busiest credentials" headers=vec!["Credential", "Calls", "Refused"]>
                {top.into_iter().map(|t| view! {
                    <tr data-credential=t.credential.id.clone() data-calls=t.calls>
                        <td data-label="Credential" class=TD>
                            <a href=format!("/credentials/{}", t.credential.id) class=LINK>{t.credential.name.clone()}</a>
                            <p class="font-mono text-xs text-zinc-500 dark:text-zinc-400">{format!("{}… · {}", t.credential.prefix, t.credential.account)}</p>
                        </td>
                        <td data-label="Calls" class=format!("{TD} tabular-nums")>{t.calls}</td>
                        <td data-label="Refused" class=format!("{TD} tabular-nums")>{t.refused}</td>
                    </tr>
                }).collect_view()}
            </Table>
        </div>
    }
    .into_any()
}

#[component]
fn Refusals(refusals: Vec<RefusalCount>) -> impl IntoView {
    if refusals.is_empty() {
        return view! { <p class="text-sm text-zinc-500 dark:text-zinc-400">"Nothing was refused in this range."</p> }
            .into_any();
    }
    let max = refusals.iter().map(|r| r.count).max().unwrap_or(1).max(1);
    view! {
        <ul class="space-y-3" data-testid="refusals">
            {refusals.into_iter().map(|r| {
                let meaning = VerifyCode::from_wire(&r.code).map(VerifyCode::explain).unwrap_or_default();
                let width = format!("width: {}%", (r.count * 100 / max).max(2));
                let code = r.code.clone();
                view! {
                    <li data-code=code data-count=r.count>
                        <div class="flex items-baseline justify-between gap-3 text-sm">
                            <span><span class="font-mono text-xs font-medium">{r.code}</span>
                                <span class="ml-2 text-zinc-500 dark:text-zinc-400">{meaning}</span></span>
                            <span class="tabular-nums font-medium">{r.count}</span>
                        </div>
                        <div class="mt-1 h-1.5 rounded-full bg-zinc-100 dark:bg-zinc-800" aria-hidden="true">
                            <div class="h-1.5 rounded-full bg-red-500" style=width></div>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Unused(unused: Vec<Credential>, count: i64) -> impl IntoView {
    let more = count - unused.len() as i64;
    view! {
        <div data-testid="unused" data-count=count>
            <p class="mb-3 text-sm text-zinc-600 dark:text-zinc-300">
                {if count == 0 {
                    "Every working credential was used in the last 30 days.".to_owned()
                } else {
                    format!("{count} working credential{} unused for 30 days. A key nobody uses can still be leaked and used: revoke the ones no longer needed.", if count == 1 { " is" } else { "s are" })
                }}
            </p>
            {(count > 0).then(|| view! { <ShortList items=unused empty="" when=|c| c.last_used_at.or(Some(c.created_at))/> })}
            {(more > 0).then(|| view! { <p class="mt-2 text-xs text-zinc-500 dark:text-zinc-400">{format!("and {more} more")}</p> })}
        </div>
    }
    .into_any()
}
