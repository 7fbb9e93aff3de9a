//! `/webhooks` and `/webhooks/{id}`: signed HTTP notifications per account,
//! each endpoint with its delivery log, a test event and replays.

use keyward::domain::event::EventType;
use keyward::domain::webhook::{Delivery, DeliveryStatus, Webhook, WebhookInput};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::accounts::list_accounts;
use crate::api::webhooks::{
    CreateWebhook, DeleteWebhook, ReplayDelivery, SendTestEvent, get_webhook, list_webhooks, webhook_deliveries,
};
use crate::components::{
    BTN_DANGER, BTN_GHOST, BTN_PRIMARY, BTN_SECONDARY, Badge, CHECK, Card, CopyButton, DeliveryStatusBadge, Dialog,
    EmptyState, ErrorNotice, Field, INPUT, Icon, LINK, ListCard, LoadingRows, PageHeader, RelativeTime, TD, TD_XL,
    Table, Tone, field_error, last_answer, use_toasts,
};
use crate::shell::use_me;

fn health(w: &Webhook) -> impl IntoView + use<> {
    match w.failing_since {
        Some(_) => view! { <Badge text="Failing" tone=Tone::Bad/> },
        None => view! { <Badge text="Healthy" tone=Tone::Good/> },
    }
}

/// Every endpoint the user can see, with "Add endpoint" for admins.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me());
    let create = ServerAction::<CreateWebhook>::new();
    let list = Resource::new(move || create.version().get(), |_| list_webhooks());
    let open = RwSignal::new(false);
    view! {
        <Title text="Webhooks"/>
        <PageHeader title="Webhooks" description="Signed HTTP notifications when credentials are created, rotated, revoked, expiring, expired or renewed.">
            {can_write.then(|| view! {
                <button type="button" class=BTN_PRIMARY on:click=move |_| open.set(true) data-testid="new-webhook">
                    <Icon name="plus"/>"Add endpoint"
                </button>
            })}
        </PageHeader>
        <ListCard
            load=move || async move { list.await }
            is_empty=Vec::is_empty
            empty=move || view! {
                <EmptyState title="No endpoints yet" icon="webhook"
                    description="Add an endpoint to hear about expiring keys before your users do."/>
            }.into_any()
            rows={move |list: Vec<Webhook>| view! {
                <Table label="Webhook endpoints" headers=vec!["Endpoint", "Account", "Events", "Status", "Added"] from_xl=vec!["Account", "Added"]>
                    {list.into_iter().map(|w| {
                        let (badge, url, href) = (health(&w), w.url.clone(), format!("/webhooks/{}", w.id));
                        view! {
                            <tr data-webhook=w.id.clone() class="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                                <td data-label="Endpoint" class=format!("{TD} max-w-xs")>
                                    <A href=href attr:class=format!("{LINK} block truncate font-mono text-xs")>{url}</A>
                                </td>
                                <td data-label="Account" class=TD_XL>{w.account.clone()}</td>
                                <td data-label="Events" class=TD><div class="flex max-w-[16rem] flex-wrap gap-1">
                                    {w.events.iter().map(|e| view! { <Badge text=e.as_str()/> }).collect_view()}
                                </div></td>
                                <td data-label="Status" class=TD>{badge}</td>
                                <td data-label="Added" class=TD_XL><RelativeTime ts=Some(w.created_at)/></td>
                            </tr>
                        }
                    }).collect_view()}
                </Table>
            }.into_any()}
        />
        {can_write.then(|| view! { <CreateWebhookDialog open action=create/> })}
    }
    .into_any()
}

/// The form, then the secret (shown once) once the endpoint exists.
#[component]
fn CreateWebhookDialog(open: RwSignal<bool>, action: ServerAction<CreateWebhook>) -> impl IntoView {
    let accounts = Resource::new(|| (), |_| list_accounts());
    let account = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(vec![EventType::KeyExpiring, EventType::KeyExpired]);
    let value = action.value();
    let url_error = field_error(value, "url");
    let events_error = field_error(value, "events");
    let other_error = move || match value.get() {
        Some(Err(e)) if e.field().is_none() || e.field() == Some("account") => Some(e.to_string()),
        _ => None,
    };
    let created = move || value.get().and_then(Result::ok);
    let close = move || {
        open.set(false);
        value.set(None);
        url.set(String::new());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = account.get_untracked();
        let fallback = accounts
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|a| a.first().map(|a| a.name.clone()))
            .unwrap_or_default();
        action.dispatch(CreateWebhook {
            input: WebhookInput {
                account: if chosen.is_empty() { fallback } else { chosen },
                url: url.get_untracked().trim().to_owned(),
                events: events.get_untracked().iter().map(|e| e.as_str().to_owned()).collect(),
            },
        });
    };
    view! {
        <Dialog open title="Add a webhook endpoint" description="Keyward POSTs JSON to it, signed with a secret only you and Keyward know.">
            {move || match created() {
                Some(c) => {
                    let secret = c.secret.clone();
                    view! {
                        <div class="space-y-4" data-testid="webhook-secret">
                            <div role="note" class="flex gap-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
                                <Icon name="alert" class="size-5"/>
                                <p>"Copy the signing secret now: it is shown only once. Your receiver checks each request's "<code class="font-mono text-xs">"Keyward-Signature"</code>" with it."</p>
                            </div>
                            <code class="block break-all rounded-lg bg-zinc-100 p-3 font-mono text-sm dark:bg-zinc-800" data-testid="secret">{c.secret.clone()}</code>
                            <div class="flex justify-end gap-2">
                                <CopyButton text=secret label="Copy secret"/>
                                <button type="button" class=BTN_PRIMARY on:click=move |_| close()>"Done"</button>
                            </div>
                        </div>
                    }.into_any()
                }
                None => view! {
                    <form on:submit=submit class="space-y-4" novalidate>
                        <Field label="Account" id="webhook-account" hint="It receives this account's events.">
                            <select id="webhook-account" class=INPUT on:change=move |ev| account.set(event_target_value(&ev))>
                                <Transition>
                                    {move || Suspend::new(async move {
                                        accounts.await.unwrap_or_default().into_iter().map(|a| {
                                            let (value, text, name) = (a.name.clone(), a.name.clone(), a.name);
                                            view! { <option value=value selected=move || account.get() == name>{text}</option> }
                                        }).collect_view()
                                    })}
                                </Transition>
                            </select>
                        </Field>
                        <Field label="URL" id="webhook-url" hint="https:// in production. Redirects are not followed." error=url_error>
                            <input id="webhook-url" type="url" class=INPUT placeholder="https://api.example.com/hooks/keyward" autocomplete="off"
                                prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))
                                aria-invalid=move || url_error.get().is_some().to_string() aria-describedby="webhook-url-error"/>
                        </Field>
                        <fieldset class="space-y-2">
                            <legend class="text-sm font-medium text-zinc-800 dark:text-zinc-200">"Events"</legend>
                            {EventType::SUBSCRIBABLE.into_iter().map(|t| view! {
                                <label class="flex items-start gap-2 text-sm">
                                    <input type="checkbox" class=format!("{CHECK} mt-0.5") value=t.as_str()
                                        prop:checked=move || events.with(|e| e.contains(&t))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            events.update(|e| { e.retain(|x| *x != t); if on { e.push(t); } });
                                        }/>
                                    <span><span class="font-mono text-xs">{t.as_str()}</span>" "
                                        <span class="ml-1 text-zinc-500 dark:text-zinc-400">{t.describe()}</span></span>
                                </label>
                            }).collect_view()}
                            <Show when=move || events_error.get().is_some()>
                                <p role="alert" class="text-sm text-red-600 dark:text-red-400">{move || events_error.get()}</p>
                            </Show>
                        </fieldset>
                        <Show when=move || other_error().is_some()>
                            <p role="alert" class="text-sm font-medium text-red-600 dark:text-red-400">{other_error}</p>
                        </Show>
                        <div class="flex justify-end gap-2 pt-2">
                            <button type="button" class=BTN_SECONDARY on:click=move |_| close()>"Cancel"</button>
                            <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Adding…" } else { "Add endpoint" }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </Dialog>
    }
    .into_any()
}

/// One endpoint: what it receives, its delivery log, a test event, replays.
#[component]
pub fn WebhookDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let can_write = keyward::authz::offers_changes(&use_me());
    let test = ServerAction::<SendTestEvent>::new();
    let replay = ServerAction::<ReplayDelivery>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let tick = RwSignal::new(0u32);
    let webhook = Resource::new(id, get_webhook);
    let log = Resource::new(
        move || (id(), test.version().get(), replay.version().get(), tick.get()),
        |(id, ..)| webhook_deliveries(id),
    );
    // While something is queued or retrying soon, look again every second.
    Effect::new(move |_| {
        let busy = log
            .get()
            .and_then(Result::ok)
            .is_some_and(|l| l.iter().any(|d| d.status == DeliveryStatus::Pending && d.attempts == 0));
        if busy {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_secs(1));
        }
    });
    let toasts = use_toasts();
    Effect::new(move |_| match test.value().get() {
        Some(Ok(_)) => toasts.success("Test event queued."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match replay.value().get() {
        Some(Ok(d)) => toasts.success(format!("Replaying {}.", d.event_id)),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let navigate = use_navigate();
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("Endpoint deleted.");
            navigate("/webhooks", Default::default());
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let confirm = RwSignal::new(false);

    view! {
        <nav aria-label="Breadcrumb" class="mb-4 flex items-center gap-1 text-sm text-zinc-500 dark:text-zinc-400">
            <A href="/webhooks" attr:class=LINK>"Webhooks"</A>
            <Icon name="chevron-right"/>
            <span class="font-mono text-xs">{id}</span>
        </nav>
        <Transition fallback=|| view! { <LoadingRows rows=3/> }>
            {move || Suspend::new(async move {
                match webhook.await {
                    Ok(w) => {
                        let badge = health(&w);
                        view! {
                        <Title text="Webhook"/>
                        <PageHeader title="Webhook endpoint" description=w.url.clone()>
                            <span class="self-center">{badge}</span>
                            {can_write.then(|| view! {
                                <button type="button" class=BTN_SECONDARY data-testid="send-test"
                                    disabled=move || test.pending().get()
                                    on:click=move |_| { test.dispatch(SendTestEvent { id: id() }); }>
                                    <Icon name="send"/>"Send test event"
                                </button>
                                <button type="button" class=BTN_DANGER on:click=move |_| confirm.set(true)>
                                    <Icon name="trash"/>"Delete"
                                </button>
                            })}
                        </PageHeader>
                        <Card title="Receives">
                            <dl class="grid gap-4 text-sm sm:grid-cols-3">
                                <div><dt class="text-zinc-500 dark:text-zinc-400">"Account"</dt><dd class="mt-1">{w.account.clone()}</dd></div>
                                <div class="sm:col-span-2"><dt class="text-zinc-500 dark:text-zinc-400">"Events"</dt>
                                    <dd class="mt-1 flex flex-wrap gap-1">{w.events.iter().map(|e| view! { <Badge text=e.as_str()/> }).collect_view()}</dd></div>
                            </dl>
                            {w.failing_since.map(|t| view! {
                                <p role="alert" class="mt-4 text-sm text-red-700 dark:text-red-300">
                                    "Deliveries failed for 24 hours and were given up (since "<RelativeTime ts=Some(t)/>"). Fix the receiver, then replay them below."
                                </p>
                            })}
                        </Card>
                    }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
        <div class="mt-6">
            <ListCard
                title="Deliveries"
                load=move || async move { log.await }
                is_empty=Vec::is_empty
                empty=move || view! {
                    <EmptyState title="Nothing sent yet" icon="send" description="Deliveries appear here, with the receiver's answer. Send a test event to try the endpoint."/>
                }.into_any()
                rows={move |list: Vec<Delivery>| view! {
                    <Table label="Deliveries" headers=vec!["When", "Event", "Status", "Answer", ""]>
                        {list.into_iter().map(|d| {
                            let answer = last_answer(&d);
                            let delivery = d.id;
                            view! {
                                <tr data-delivery=d.id data-status=d.status.as_str() data-event=d.event_id.clone()>
                                    <td data-label="When" class=TD><RelativeTime ts=Some(d.created_at)/></td>
                                    <td data-label="Event" class=TD>
                                        <span class="font-mono text-xs font-medium">{d.event_type.as_str()}</span>
                                        <p class="font-mono text-xs text-zinc-500 dark:text-zinc-400">{d.event_id.clone()}</p>
                                    </td>
                                    <td data-label="Status" class=TD>
                                        <DeliveryStatusBadge status=d.status attempts=d.attempts/>
                                        <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{format!("{} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" })}</p>
                                    </td>
                                    <td data-label="Answer" class=format!("{TD} max-w-56 truncate") title=answer.clone()>{answer.clone()}</td>
                                    <td data-label="Actions" class=format!("{TD} text-right")>
                                        {can_write.then(|| view! {
                                            <button type="button" class=BTN_GHOST disabled=move || replay.pending().get()
                                                on:click=move |_| { replay.dispatch(ReplayDelivery { id: id(), delivery }); }>
                                                <Icon name="rotate"/>"Replay"
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                }.into_any()}
            />
        </div>
        <Dialog open=confirm title="Delete this endpoint?" description="It receives nothing from now on; what is still queued for it is dropped. The delivery log stays in the audit trail.">
            <div class="flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=move |_| confirm.set(false)>"Cancel"</button>
                <button type="button" class=BTN_DANGER disabled=move || delete.pending().get()
                    on:click=move |_| { confirm.set(false); delete.dispatch(DeleteWebhook { id: id() }); }>"Delete endpoint"</button>
            </div>
        </Dialog>
    }
    .into_any()
}
