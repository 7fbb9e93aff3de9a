//! `/`: the state of the install at a glance.

mod traffic;

use keyward::domain::{AuditFilter, Credential};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::list_accounts;
use crate::api::audit::list_audit;
use crate::api::credentials::dashboard_credentials;
use crate::api::users::list_users;
use crate::components::{
    Badge, Card, EmptyState, ErrorNotice, LINK, LoadingRows, PageHeader, RelativeTime, StatusBadge, TD, Table, Tone,
};
use crate::shell::use_me;

#[component]
fn Stat(
    label: &'static str,
    value: String,
    #[prop(into)] hint: String,
    #[prop(default = Tone::Neutral)] tone: Tone,
) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <p class="text-sm font-medium text-zinc-500 dark:text-zinc-400">{label}</p>
            <p class=format!("mt-2 text-3xl font-semibold tracking-tight {}", if tone == Tone::Bad { "text-red-600 dark:text-red-400" } else { "" })>{value}</p>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>
        </div>
    }.into_any()
}

/// A few credentials with one timestamp each, linking to their pages.
#[component]
fn ShortList(items: Vec<Credential>, empty: &'static str, when: fn(&Credential) -> Option<i64>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="text-sm text-zinc-500 dark:text-zinc-400">{empty}</p> }.into_any();
    }
    view! {
        <ul class="divide-y divide-zinc-100 dark:divide-zinc-800">
            {items.into_iter().map(|c| {
                let ts = when(&c);
                view! {
                    <li class="flex items-center justify-between gap-3 py-2.5 text-sm">
                        <div class="min-w-0">
                            <a href=format!("/credentials/{}", c.id) class=format!("{LINK} truncate")>{c.name.clone()}</a>
                            <p class="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400">{format!("{}… · {}", c.prefix, c.account)}</p>
                        </div>
                        <div class="flex shrink-0 items-center gap-2">
                            <span class="text-xs text-zinc-500 dark:text-zinc-400"><RelativeTime ts=ts/></span>
                            <StatusBadge status=c.status/>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Counts and the latest activity.
#[component]
pub fn DashboardPage() -> impl IntoView {
    crate::mark_hydrated();
    let me = use_me();
    let global = keyward::authz::shows_install(&me);
    let accounts = Resource::new(|| (), |_| list_accounts());
    let users = Resource::new(
        || (),
        move |_| async move { if global { list_users().await.map(Some) } else { Ok(None) } },
    );
    let credentials = Resource::new(|| (), |_| dashboard_credentials());
    let activity = Resource::new(
        || (),
        |_| {
            list_audit(AuditFilter {
                limit: Some(8),
                ..Default::default()
            })
        },
    );

    view! {
        <Title text="Dashboard"/>
        <PageHeader title="Dashboard" description=format!("Signed in as {}.", me.email)/>
        <Transition fallback=|| view! { <LoadingRows rows=2/> }>
            {move || Suspend::new(async move {
                let accounts = accounts.await;
                let users = users.await;
                match (accounts, users) {
                    (Ok(accounts), Ok(users)) => {
                        let disabled: Vec<String> = accounts.iter().filter(|a| !a.api_enabled).map(|a| a.name.clone()).collect();
                        view! {
                            <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                                <Stat label="Accounts" value=accounts.len().to_string() hint="Tenants you can see"/>
                                <Stat
                                    label="API disabled"
                                    value=disabled.len().to_string()
                                    hint=if disabled.is_empty() { "Every account accepts its credentials".to_owned() } else { disabled.join(", ") }
                                    tone=if disabled.is_empty() { Tone::Neutral } else { Tone::Bad }
                                />
                                {users.map(|u| view! {
                                    <Stat label="Console users" value=u.iter().filter(|u| !u.disabled).count().to_string() hint=format!("{} disabled", u.iter().filter(|u| u.disabled).count())/>
                                })}
                            </div>
                        }.into_any()
                    }
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <LoadingRows rows=2/> }>
            {move || Suspend::new(async move {
                match credentials.await {
                    Ok(sum) => view! {
                        <h2 class="mb-3 mt-8 text-sm font-semibold text-zinc-500 dark:text-zinc-400">"Credentials"</h2>
                        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="status-counts">
                            <a href="/credentials?status=active" class="block"><Stat label="Active" value=sum.active.to_string() hint="Working and not expiring soon" tone=Tone::Good/></a>
                            <a href="/credentials?status=expiring" class="block"><Stat label="Expiring" value=sum.expiring.to_string() hint="Within the next 7 days" tone={if sum.expiring > 0 { Tone::Warn } else { Tone::Neutral }}/></a>
                            <a href="/credentials?status=expired" class="block"><Stat label="Expired" value=sum.expired.to_string() hint="Refused since their expiry"/></a>
                            <a href="/credentials?status=revoked" class="block"><Stat label="Revoked" value=sum.revoked.to_string() hint="Kept for the audit trail"/></a>
                        </div>
                        <div class="mt-6 grid gap-6 lg:grid-cols-2">
                            <Card title="Expiring in the next 7 days">
                                <ShortList items=sum.expiring_soon empty="Nothing expires this week." when=|c| c.expires_at/>
                            </Card>
                            <Card title="Recently used">
                                <ShortList items=sum.recently_used empty="No credential has been used yet." when=|c| c.last_used_at/>
                            </Card>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <div class="mt-8"><ErrorNotice error=e/></div> }.into_any(),
                }
            })}
        </Transition>
        <traffic::Traffic accounts/>
        <div class="mt-8">
            <Card title="Recent activity">
                <Transition fallback=|| view! { <LoadingRows/> }>
                    {move || Suspend::new(async move {
                        match activity.await {
                            Ok(page) if page.entries.is_empty() => view! {
                                <EmptyState title="No activity yet" description="Sign-ins and changes will appear here." icon="scroll"/>
                            }.into_any(),
                            Ok(page) => view! {
                                <div class="-m-5">
                                    <Table label="Recent activity" headers=vec!["When", "Who", "What", "Target"]>
                                        {page.entries.into_iter().map(|e| view! {
                                            <tr>
                                                <td data-label="When" class=TD><RelativeTime ts=Some(e.at)/></td>
                                                <td data-label="Who" class=format!("{TD} max-w-[12rem] truncate")>{e.actor}</td>
                                                <td data-label="What" class=TD><Badge text=e.action/></td>
                                                <td data-label="Target" class=format!("{TD} max-w-[10rem] truncate")>{e.target.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </Table>
                                </div>
                                <a href="/audit" class=format!("mt-4 inline-block text-sm {LINK}")>"View the full audit log →"</a>
                            }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </Card>
        </div>
    }.into_any()
}
