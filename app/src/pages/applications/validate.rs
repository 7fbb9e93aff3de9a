//! `/applications/validate?token=…`: where an application's validation URL
//! lands. A user who may manage the application's account sees what it asks
//! for and approves it (choosing the account and how long it lasts) or
//! refuses it; the browser then goes where the application asked, if it did.
//! Signed-out users come back here after signing in (`/login?next=…`).

use keyward::domain::Expiry;
use keyward::domain::application::PendingConsumerKey;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::applications::{DecideRequest, pending_request};
use crate::api::credentials::form_catalog;
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Badge, Card, EmptyState, ErrorNotice, Field, INPUT, LoadingRows, PageHeader,
    RelativeTime, TD, Table,
};
use crate::error::ConsoleError;

/// The validation page.
#[component]
pub fn ValidatePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let request = Resource::new(token, |t| async move {
        if t.trim().is_empty() {
            return Err(ConsoleError::NotFound("consumer key request".into()));
        }
        let accounts = form_catalog().await?.accounts;
        pending_request(t).await.map(|p| (p, accounts))
    });
    view! {
        <Title text="Authorize an application"/>
        <PageHeader title="Authorize an application" description="An application asks for a consumer key: the right to call the API on an account, signed with its own secret."/>
        <Transition fallback=|| view! { <LoadingRows rows=6/> }>
            {move || Suspend::new(async move {
                match request.await {
                    Ok((pending, accounts)) => view! { <Decision token=token() pending accounts/> }.into_any(),
                    Err(ConsoleError::NotFound(_)) => view! {
                        <Card>
                            <div data-testid="request-gone">
                                <EmptyState title="This request is no longer waiting" description="It was already approved or refused, it lapsed (requests wait 15 minutes), or the link is wrong. Ask the application for a new validation link." icon="inbox">
                                    <a href="/applications" class=BTN_SECONDARY>"Go to Applications"</a>
                                </EmptyState>
                            </div>
                        </Card>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// What the request asks for, and the approve / refuse form.
#[component]
fn Decision(token: String, pending: PendingConsumerKey, mut accounts: Vec<String>) -> impl IntoView {
    if !accounts.contains(&pending.account) {
        accounts.insert(0, pending.account.clone());
    }
    let account = RwSignal::new(pending.account.clone());
    let expires = RwSignal::new(Expiry::Never.to_string());
    let action = ServerAction::<DecideRequest>::new();
    let value = action.value();
    let approved = RwSignal::new(None::<bool>);
    // After a decision the browser goes where the application asked; the core
    // accepts only absolute http(s) redirections.
    Effect::new(move |_| {
        if let Some(Ok(Some(url))) = value.get() {
            let _ = window().location().set_href(&url);
        }
    });
    let decide = {
        let token = token.clone();
        move |approve: bool| {
            approved.set(Some(approve));
            action.dispatch(DecideRequest {
                token: token.clone(),
                approve,
                account: Some(account.get_untracked()),
                expires: Some(expires.get_untracked()),
            });
        }
    };
    let (approve, refuse) = (decide.clone(), decide);
    let error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let done = move || matches!(value.get(), Some(Ok(_)));
    let cidrs: Vec<String> = pending.allowed_cidrs.iter().map(ToString::to_string).collect();
    let rules = pending.rights.clone();
    let deadline = pending.deadline;
    view! {
        <Show when=done fallback=move || {
            let (approve, refuse) = (approve.clone(), refuse.clone());
            let (accounts, cidrs, rules) = (accounts.clone(), cidrs.clone(), rules.clone());
            let (name, key) = (pending.application.clone(), pending.application_key.clone());
            view! {
                <div class="space-y-6">
                    <Card title="Application">
                        <p class="text-lg font-semibold" data-testid="application-name">{name}</p>
                        <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                            "Application key "<code class="break-all font-mono text-xs" data-testid="application-key">{key}</code>
                        </p>
                        <p class="mt-2 text-sm text-zinc-500 dark:text-zinc-400">"This request lapses "<RelativeTime ts=Some(deadline)/>"."</p>
                    </Card>
                    <Card title="Requested access">
                        <div class="-mx-5 -mt-5">
                            <Table label="Requested rights" headers=vec!["Method", "Path"]>
                                {rules.into_iter().map(|r| view! {
                                    <tr data-rule=format!("{} {}", r.methods().join(","), r.path())>
                                        <td data-label="Method" class=TD><Badge text=r.methods().join(", ")/></td>
                                        <td data-label="Path" class=format!("{TD} font-mono text-xs")>{r.path().to_owned()}</td>
                                    </tr>
                                }).collect_view()}
                            </Table>
                        </div>
                        <h3 class="mt-4 text-sm font-medium">"Allowed IP ranges"</h3>
                        <p class="mt-1 text-sm" data-testid="allowed-ips">
                            {if cidrs.is_empty() { "Any address".to_owned() } else { cidrs.join(", ") }}
                        </p>
                    </Card>
                    <form class="space-y-5" on:submit=move |ev| { ev.prevent_default(); approve(true); }>
                        <Card title="Your decision">
                            <div class="grid gap-5 sm:grid-cols-2">
                                <Field label="Account" id="ck-account" hint="The account the consumer key acts on. You need to manage it.">
                                    <select id="ck-account" class=INPUT on:change=move |ev| account.set(event_target_value(&ev))>
                                        {accounts.into_iter().map(|a| {
                                            let sel = a.clone();
                                            view! { <option value=a.clone() selected=move || account.get() == sel>{a.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                </Field>
                                <Field label="Validity" id="ck-validity" hint="How long the consumer key works once approved.">
                                    <select id="ck-validity" class=INPUT on:change=move |ev| expires.set(event_target_value(&ev))>
                                        {Expiry::PRESETS.into_iter().map(|p| {
                                            let v = p.to_string();
                                            let sel = v.clone();
                                            let label = if p == Expiry::Never { "Unlimited".to_owned() } else { p.label() };
                                            view! { <option value=v selected=move || expires.get() == sel>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </Field>
                            </div>
                        </Card>
                        <Show when=move || error().is_some()>
                            <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300" data-testid="decision-error">{error}</p>
                        </Show>
                        <div class="flex justify-end gap-2">
                            <button type="button" class=BTN_SECONDARY data-testid="refuse" disabled=move || action.pending().get()
                                on:click=move |_| refuse(false)>"Refuse"</button>
                            <button type="submit" class=BTN_PRIMARY data-testid="approve" disabled=move || action.pending().get()>"Approve"</button>
                        </div>
                    </form>
                </div>
            }
        }>
            <Card>
                <div role="status" data-testid="decision-done">
                    {move || match (approved.get(), value.get()) {
                        (_, Some(Ok(Some(_)))) => view! {
                            <EmptyState title="Done" description="Taking you back to the application…" icon="check"/>
                        }.into_any(),
                        (Some(true), _) => view! {
                            <EmptyState title="Approved" description="The application can now call the API with its consumer key, within the rights above." icon="check">
                                <a href="/applications" class=BTN_SECONDARY>"Go to Applications"</a>
                            </EmptyState>
                        }.into_any(),
                        _ => view! {
                            <EmptyState title="Refused" description="The consumer key will never work. The application can ask again." icon="x">
                                <a href="/applications" class=BTN_SECONDARY>"Go to Applications"</a>
                            </EmptyState>
                        }.into_any(),
                    }}
                </div>
            </Card>
        </Show>
    }
    .into_any()
}
