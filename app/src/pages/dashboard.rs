//! `/`: the state of the install at a glance.

use keyward::domain::AuditFilter;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::list_accounts;
use crate::api::audit::list_audit;
use crate::api::users::list_users;
use crate::components::{
    Badge, Card, EmptyState, ErrorNotice, LINK, LoadingRows, PageHeader, RelativeTime, TD, Table, Tone,
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

/// Counts and the latest activity.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let me = use_me();
    let global = me.can_read_global();
    let accounts = Resource::new(|| (), |_| list_accounts());
    let users = Resource::new(
        || (),
        move |_| async move { if global { list_users().await.map(Some) } else { Ok(None) } },
    );
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
                                <Stat label="Credentials" value="—".to_owned() hint="Key management arrives in the next release"/>
                            </div>
                        }.into_any()
                    }
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
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
                                    <Table headers=vec!["When", "Who", "What", "Target"]>
                                        {page.entries.into_iter().map(|e| view! {
                                            <tr>
                                                <td class=TD><RelativeTime ts=Some(e.at)/></td>
                                                <td class=TD>{e.actor}</td>
                                                <td class=TD><Badge text=e.action/></td>
                                                <td class=TD>{e.target.unwrap_or_default()}</td>
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
