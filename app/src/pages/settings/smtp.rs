//! The SMTP settings: how expiry notices leave, with a test e-mail.

use keyward::domain::webhook::{SmtpInput, SmtpSecurity, SmtpSettings};
use leptos::prelude::*;

use crate::api::webhooks::{SaveSmtp, SendTestEmail, email_log, get_smtp};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Card, DeliveryStatusBadge, ErrorNotice, Field, INPUT, LoadingRows, RelativeTime, TD,
    Table, field_error, last_answer, use_toasts,
};
use crate::shell::use_me;

/// The card: the form once the current settings are loaded.
#[component]
pub fn SmtpCard() -> impl IntoView {
    let save = ServerAction::<SaveSmtp>::new();
    // Reloaded after a successful save only, so a refused one keeps what was typed.
    let saved = RwSignal::new(0u32);
    let current = Resource::new(move || saved.get(), |_| get_smtp());
    // Here, not in the form: the form is rebuilt after each successful save.
    let toasts = use_toasts();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            toasts.success("SMTP settings saved.");
            saved.update(|n| *n += 1);
        }
        Some(Err(e)) if e.field().is_none() => toasts.error(e.to_string()),
        _ => {}
    });
    view! {
        <Card title="E-mail (SMTP)">
            <p class="mb-4 max-w-2xl text-sm text-zinc-500 dark:text-zinc-400">
                "Expiry notices go to each account's notification addresses and to a credential's owner ("
                <code class="font-mono text-xs">"metadata.owner"</code>"), 7 days and 1 day before it expires. The password is stored encrypted."
            </p>
            <Transition fallback=|| view! { <LoadingRows rows=3/> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(s) => view! { <SmtpForm settings=s.unwrap_or_default() save/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <EmailLog/>
        </Card>
    }
    .into_any()
}

/// The latest notice e-mails, so a wrong setting shows before anyone misses a notice.
#[component]
fn EmailLog() -> impl IntoView {
    let log = Resource::new(|| (), |_| email_log());
    view! {
        <h3 class="mb-2 mt-8 border-t border-zinc-100 pt-6 text-sm font-semibold dark:border-zinc-800">"Recent e-mails"</h3>
        <Transition fallback=|| view! { <LoadingRows rows=2/> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="text-sm text-zinc-500 dark:text-zinc-400">"No notice has been e-mailed yet."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="-mx-5 -mb-5" data-testid="email-log">
                            <Table label="E-mails sent" headers=vec!["When", "To", "Event", "Status", "Answer"]>
                                {list.into_iter().map(|d| {
                                    let answer = last_answer(&d);
                                    view! {
                                        <tr data-status=d.status.as_str()>
                                            <td data-label="When" class=TD><RelativeTime ts=Some(d.created_at)/></td>
                                            <td data-label="To" class=TD>{d.destination.clone()}</td>
                                            <td data-label="Event" class=TD><span class="font-mono text-xs">{d.event_type.as_str()}</span></td>
                                            <td data-label="Status" class=TD><DeliveryStatusBadge status=d.status attempts=d.attempts/></td>
                                            <td data-label="Answer" class=format!("{TD} max-w-56 truncate") title=answer.clone()>{answer.clone()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </Table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SmtpForm(settings: SmtpSettings, save: ServerAction<SaveSmtp>) -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me());
    let host = RwSignal::new(settings.host.clone());
    let port = RwSignal::new(if settings.port == 0 {
        "587".to_owned()
    } else {
        settings.port.to_string()
    });
    let security = RwSignal::new(settings.security);
    let username = RwSignal::new(settings.username.clone().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let from = RwSignal::new(settings.from.clone());
    let test_to = RwSignal::new(String::new());
    let test = ServerAction::<SendTestEmail>::new();
    let value = save.value();
    let (host_error, port_error, from_error) = (
        field_error(value, "host"),
        field_error(value, "port"),
        field_error(value, "from"),
    );
    let test_result = move || test.value().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        save.dispatch(SaveSmtp {
            input: SmtpInput {
                host: host.get_untracked(),
                port: port.get_untracked().trim().parse().unwrap_or(0),
                security: security.get_untracked(),
                username: Some(username.get_untracked()),
                password: (!pw.is_empty()).then_some(pw),
                from: from.get_untracked(),
            },
        });
    };
    let password_hint = match (settings.password_set, settings.security) {
        (true, SmtpSecurity::None) => "A password is stored. Leave empty to keep it.",
        (true, _) => "A password is stored. Leave empty to keep it; switching to no encryption drops it.",
        (false, _) => "Leave empty if the server needs none.",
    };
    view! {
        <form on:submit=submit class="grid gap-4 sm:grid-cols-2" novalidate data-testid="smtp-form">
            <Field label="Host" id="smtp-host" error=host_error>
                <input id="smtp-host" class=INPUT placeholder="smtp.example.com" autocomplete="off" disabled=!can_write
                    prop:value=move || host.get() on:input=move |ev| host.set(event_target_value(&ev))/>
            </Field>
            <div class="grid grid-cols-2 gap-4">
                <Field label="Port" id="smtp-port" error=port_error>
                    <input id="smtp-port" class=INPUT inputmode="numeric" disabled=!can_write
                        prop:value=move || port.get() on:input=move |ev| port.set(event_target_value(&ev))/>
                </Field>
                <Field label="Security" id="smtp-security">
                    <select id="smtp-security" class=INPUT disabled=!can_write
                        on:change=move |ev| if let Some(s) = SmtpSecurity::parse(&event_target_value(&ev)) { security.set(s) }>
                        {[(SmtpSecurity::Starttls, "STARTTLS"), (SmtpSecurity::Tls, "TLS"), (SmtpSecurity::None, "None (local relay only)")]
                            .into_iter()
                            .map(|(s, label)| view! { <option value=s.as_str() selected=move || security.get() == s>{label}</option> })
                            .collect_view()}
                    </select>
                </Field>
            </div>
            <Field label="User name" id="smtp-user">
                <input id="smtp-user" class=INPUT autocomplete="off" disabled=!can_write
                    prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
            </Field>
            <Field label="Password" id="smtp-password" hint=password_hint>
                <input id="smtp-password" type="password" class=INPUT autocomplete="new-password" disabled=!can_write
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            </Field>
            <div class="sm:col-span-2">
                <Field label="From" id="smtp-from" hint="e.g. Keyward <keyward@example.com>" error=from_error>
                    <input id="smtp-from" class=INPUT autocomplete="off" disabled=!can_write
                        prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
                </Field>
            </div>
            {can_write.then(|| view! {
                <div class="flex justify-end sm:col-span-2">
                    <button type="submit" class=BTN_PRIMARY disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            })}
        </form>
        {can_write.then(|| view! {
            <form class="mt-6 flex flex-col gap-3 border-t border-zinc-100 pt-6 sm:flex-row sm:items-end dark:border-zinc-800"
                on:submit=move |ev| { ev.prevent_default(); test.dispatch(SendTestEmail { to: test_to.get_untracked() }); }>
                <div class="flex-1">
                    <Field label="Send a test e-mail to" id="smtp-test-to">
                        <input id="smtp-test-to" type="email" class=INPUT placeholder="you@example.com"
                            prop:value=move || test_to.get() on:input=move |ev| test_to.set(event_target_value(&ev))/>
                    </Field>
                </div>
                <button type="submit" class=BTN_SECONDARY disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Sending…" } else { "Send test e-mail" }}
                </button>
            </form>
            <div aria-live="polite" class="mt-2 text-sm">
                {move || match test_result() {
                    Some(Ok(())) => view! { <p class="text-emerald-700 dark:text-emerald-400">"Sent. Check the inbox."</p> }.into_any(),
                    Some(Err(e)) => view! { <p role="alert" class="text-red-600 dark:text-red-400">{e.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        })}
    }
    .into_any()
}
