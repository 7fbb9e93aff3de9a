//! `/accounts` and `/accounts/{name}`: tenants, their plan and their "Enable API" switch.

use keyward::domain::{Account, AccountName, Plan};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::accounts::{CreateAccount, UpdateAccount, get_account, list_accounts};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Badge, Card, Dialog, EmptyState, ErrorNotice, Field, INPUT, Icon, LINK, ListCard,
    LoadingRows, PageHeader, RelativeTime, Switch, TD, TD_XL, Table, Tone, capitalise, field_error, use_toasts,
};
use crate::shell::use_me;

fn api_badge(enabled: bool) -> impl IntoView {
    if enabled {
        view! { <Badge text="API enabled" tone=Tone::Good/> }
    } else {
        view! { <Badge text="API disabled" tone=Tone::Bad/> }
    }
}

/// The accounts the user can see, with "New account" for admins.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let me = use_me();
    let create = ServerAction::<CreateAccount>::new();
    let accounts = Resource::new(move || create.version().get(), |_| list_accounts());
    let open = RwSignal::new(false);
    let can_write = keyward::authz::offers_changes(&me);

    view! {
        <Title text="Accounts"/>
        <PageHeader title="Accounts" description="Tenants that own credentials. Each has a plan and an Enable API switch.">
            {can_write.then(|| view! {
                <button type="button" class=BTN_PRIMARY on:click=move |_| open.set(true) data-testid="new-account">
                    <Icon name="plus"/>"New account"
                </button>
            })}
        </PageHeader>
        <ListCard
            load=move || async move { accounts.await }
            is_empty=Vec::is_empty
            empty=|| view! {
                <EmptyState title="No accounts to show" description="You have not been given access to any account yet. Ask a Global Admin." icon="building"/>
            }.into_any()
            rows=|list| view! { <AccountTable list/> }.into_any()
        />
        {can_write.then(|| view! { <CreateAccountDialog open action=create/> })}
    }.into_any()
}

#[component]
fn AccountTable(list: Vec<Account>) -> impl IntoView {
    view! {
        <Table label="Accounts" headers=vec!["Name", "Plan", "API", "Query-key auth", "Created"] from_xl=vec!["Created"]>
            {list.into_iter().map(|a| view! {
                <tr class="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                    <td data-label="Name" class=TD><A href=format!("/accounts/{}", a.name) attr:class=LINK>{a.name.clone()}</A></td>
                    <td data-label="Plan" class=TD><Badge text=a.plan.as_str() tone=Tone::Info/></td>
                    <td data-label="API" class=TD>{api_badge(a.api_enabled)}</td>
                    <td data-label="Query-key auth" class=TD>{if a.allow_query_key { "Allowed" } else { "Off" }}</td>
                    <td data-label="Created" class=TD_XL><RelativeTime ts=Some(a.created_at)/></td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}

#[component]
fn CreateAccountDialog(open: RwSignal<bool>, action: ServerAction<CreateAccount>) -> impl IntoView {
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let plan = RwSignal::new(Plan::Starter);
    let touched = RwSignal::new(false);
    let local_error = move || {
        if !touched.get() {
            return None;
        }
        AccountName::parse(&name.get()).err().map(|e| capitalise(&e.message))
    };
    let value = action.value();
    let server_error = field_error(value, "name");
    let other_error = move || match value.get() {
        Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(a)) = value.get() {
            toasts.success(format!("Account {} created.", a.name));
            open.set(false);
            name.set(String::new());
            touched.set(false);
            value.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if AccountName::parse(&name.get_untracked()).is_ok() {
            action.dispatch(CreateAccount {
                name: name.get_untracked(),
                plan: plan.get_untracked(),
            });
        }
    };

    view! {
        <Dialog open title="New account" description="Accounts group credentials and carry a rate-limit plan.">
            <form on:submit=submit class="space-y-4" novalidate>
                <Field label="Name" id="account-name" hint="Lowercase letters, digits and hyphens, e.g. acme-prod." error=Signal::derive(move || local_error().or_else(|| server_error.get()))>
                    <input
                        id="account-name"
                        class=INPUT
                        autocomplete="off"
                        prop:value=move || name.get()
                        on:input=move |ev| { name.set(event_target_value(&ev)); touched.set(true); }
                        aria-invalid=move || local_error().is_some().to_string()
                        aria-describedby="account-name-error"
                    />
                </Field>
                <Field label="Plan" id="account-plan">
                    <select
                        id="account-plan"
                        class=INPUT
                        on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse() { plan.set(p) } }
                    >
                        {Plan::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=move || plan.get() == p>{p.label()}</option> }).collect_view()}
                    </select>
                </Field>
                <Show when=move || other_error().is_some()>
                    <p role="alert" class="text-sm font-medium text-red-600 dark:text-red-400">{other_error}</p>
                </Show>
                <div class="flex justify-end gap-2 pt-2">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }.into_any()
}

/// Who hears about the account's expiring credentials.
#[component]
fn NotificationEmails(account: Account, update: ServerAction<UpdateAccount>) -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me());
    let text = RwSignal::new(account.notification_emails.join("\n"));
    let error = field_error(update.value(), "notification_emails");
    let name = account.name.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let emails = text
            .get_untracked()
            .split([',', '\n', ';', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        update.dispatch(UpdateAccount {
            name: name.clone(),
            plan: None,
            api_enabled: None,
            allow_query_key: None,
            notification_emails: Some(emails),
        });
    };
    view! {
        <Card title="Notifications">
            <form on:submit=submit class="space-y-3" novalidate>
                <Field label="Notification e-mails" id="notification-emails" error=error
                    hint="One address per line. They get an e-mail 7 days and 1 day before a credential of this account expires, and when it has expired. Webhooks are set up under Webhooks.">
                    <textarea id="notification-emails" rows="3" class=INPUT disabled=!can_write placeholder="ops@example.com"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                        aria-describedby="notification-emails-error"></textarea>
                </Field>
                {can_write.then(|| view! {
                    <div class="flex justify-end">
                        <button type="submit" class=BTN_PRIMARY disabled=move || update.pending().get()>"Save addresses"</button>
                    </div>
                })}
            </form>
        </Card>
    }
    .into_any()
}

/// One account's settings: Enable API, query-key auth and plan.
#[component]
pub fn AccountDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.with(|p| p.get("name")).unwrap_or_default();
    let update = ServerAction::<UpdateAccount>::new();
    let account = Resource::new(move || (name(), update.version().get()), |(n, _)| get_account(n));
    let toasts = use_toasts();
    Effect::new(move |_| match update.value().get() {
        Some(Ok(a)) => toasts.success(format!("Saved {}.", a.name)),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });

    view! {
        <nav aria-label="Breadcrumb" class="mb-4 flex items-center gap-1 text-sm text-zinc-500 dark:text-zinc-400">
            <A href="/accounts" attr:class=LINK>"Accounts"</A>
            <Icon name="chevron-right"/>
            <span>{name}</span>
        </nav>
        <Transition fallback=|| view! { <LoadingRows rows=4/> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) => view! { <Title text=a.name.clone()/><AccountSettings account=a update/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn AccountSettings(account: Account, update: ServerAction<UpdateAccount>) -> impl IntoView {
    let me = use_me();
    let can_write = keyward::authz::offers_changes(&me);
    let name = account.name.clone();
    let patch = move |plan: Option<Plan>, api_enabled: Option<bool>, allow_query_key: Option<bool>| UpdateAccount {
        name: name.clone(),
        plan,
        api_enabled,
        allow_query_key,
        notification_emails: None,
    };
    let p1 = patch.clone();
    let p2 = patch.clone();
    let pending = update.pending();

    view! {
        <PageHeader title=account.name.clone() description=format!("Plan: {}", account.plan.label())>
            {api_badge(account.api_enabled)}
        </PageHeader>
        <div class="space-y-6">
            <Card title="API access">
                <div class="space-y-6">
                    <div class="flex items-start justify-between gap-6">
                        <div>
                            <label for="api-enabled" class="text-sm font-medium">"Enable API"</label>
                            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">"Lets this account's credentials authenticate against your API."</p>
                        </div>
                        {if can_write {
                            view! {
                                <Switch id="api-enabled" label="Enable API" checked=account.api_enabled disabled=pending
                                    on_toggle=Callback::new(move |on| { update.dispatch(p1(None, Some(on), None)); })/>
                            }.into_any()
                        } else {
                            api_badge(account.api_enabled).into_any()
                        }}
                    </div>
                    <div role="note" class="flex gap-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
                        <Icon name="alert" class="size-5"/>
                        <p><strong>"Caution: "</strong>"a valid credential does not work while the API is disabled. Every verify and forward-auth call for this account answers API_DISABLED."</p>
                    </div>
                    <div class="flex items-start justify-between gap-6 border-t border-zinc-100 pt-6 dark:border-zinc-800">
                        <div>
                            <label for="allow-query-key" class="text-sm font-medium">"Accept keys in the query string"</label>
                            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                                "Allows "<code class="font-mono text-xs">"?api_key=…"</code>". Query strings end up in proxy and browser logs, so prefer the Authorization header and turn this off where you can."
                            </p>
                        </div>
                        {if can_write {
                            view! {
                                <Switch id="allow-query-key" label="Accept keys in the query string" checked=account.allow_query_key disabled=pending
                                    on_toggle=Callback::new(move |on| { update.dispatch(p2(None, None, Some(on))); })/>
                            }.into_any()
                        } else {
                            view! { <span class="text-sm">{if account.allow_query_key { "Allowed" } else { "Off" }}</span> }.into_any()
                        }}
                    </div>
                </div>
            </Card>
            <NotificationEmails account=account.clone() update/>
            <Card title="Plan">
                <div class="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
                    <p class="text-sm text-zinc-500 dark:text-zinc-400">"Rate limits apply per credential; a credential may override its account's plan."</p>
                    {if can_write {
                        let current = account.plan;
                        view! {
                            <label for="plan" class="sr-only">"Plan"</label>
                            <select id="plan" class=format!("{INPUT} sm:w-80") disabled=move || pending.get()
                                on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse() { update.dispatch(patch(Some(p), None, None)); } }>
                                {Plan::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=p == current>{p.label()}</option> }).collect_view()}
                            </select>
                        }.into_any()
                    } else {
                        view! { <Badge text=account.plan.label() tone=Tone::Info/> }.into_any()
                    }}
                </div>
            </Card>
        </div>
    }.into_any()
}
