//! An application's consumer keys on its detail page: what each may call, on
//! which account, until when, who approved it and when it was last used; a
//! revoke button per key; and code samples to sign requests with.

use keyward::domain::application::{ConsumerKey, ConsumerKeyStatus};
use leptos::prelude::*;

use crate::api::applications::{ApplicationKeys, RevokeConsumerKey, consumer_keys};
use crate::components::{
    ApplicationSamples, BTN_DANGER, BTN_GHOST, BTN_SECONDARY, Badge, Card, Dialog, EmptyState, ErrorNotice, ListCard,
    LoadingRows, RelativeTime, SampleKeys, TD, Table, Tone, use_toasts,
};

fn tone(status: ConsumerKeyStatus) -> Tone {
    match status {
        ConsumerKeyStatus::Active => Tone::Good,
        ConsumerKeyStatus::Pending => Tone::Info,
        ConsumerKeyStatus::Expired => Tone::Warn,
        ConsumerKeyStatus::Revoked | ConsumerKeyStatus::Refused => Tone::Bad,
    }
}

/// The consumer keys card and the samples card of an application.
#[component]
pub fn ConsumerKeys(id: String, application_key: String, can_write: bool) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let keys = {
        let id = id.clone();
        Resource::new(move || version.get(), move |_| consumer_keys(id.clone()))
    };
    // The key the revoke dialog is about, and whether the dialog is open.
    let revoking = RwSignal::new(None::<ConsumerKey>);
    let open = RwSignal::new(false);
    view! {
        <div class="mt-6" data-testid="consumer-keys">
            <ListCard
                title="Consumer keys"
                load=move || async move { keys.await }
                is_empty=|k: &ApplicationKeys| k.keys.is_empty()
                empty=|| view! {
                    <EmptyState title="No consumer keys" description="Consumer keys an application asks for through /auth/credential appear here once asked for." icon="key"/>
                }.into_any()
                rows=move |k: ApplicationKeys| view! {
                    <Table label="Consumer keys" headers=vec!["Key", "Account", "Rights", "Status", "Expires", "Last used", "Decided by", ""]>
                        {k.keys.into_iter().map(|ck| key_row(ck, can_write, revoking, open)).collect_view()}
                    </Table>
                }.into_any()
            />
        </div>
        <div class="mt-6">
            <Card title="Sign requests">
                <Transition fallback=|| view! { <LoadingRows rows=4/> }>
                    {move || {
                        let application_key = application_key.clone();
                        Suspend::new(async move {
                            match keys.await {
                                Ok(k) => {
                                    let keys = SampleKeys { application_key, application_secret: None, consumer_key: None };
                                    view! { <ApplicationSamples keys base_path=k.base_path/> }.into_any()
                                }
                                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                            }
                        })
                    }}
                </Transition>
            </Card>
        </div>
        {can_write.then(|| view! { <RevokeKeyDialog id revoking open version/> })}
    }
    .into_any()
}

fn key_row(
    ck: ConsumerKey,
    can_write: bool,
    revoking: RwSignal<Option<ConsumerKey>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let rights: Vec<String> = ck
        .rights
        .iter()
        .map(|r| format!("{} {}", r.methods().join(","), r.path()))
        .collect();
    let revocable = can_write && matches!(ck.status, ConsumerKeyStatus::Active | ConsumerKeyStatus::Pending);
    let prefix = format!("{}…", ck.prefix);
    let (status, expires, used, ip) = (ck.status, ck.expires_at, ck.last_used_at, ck.last_used_ip.clone());
    let decided = ck.decided_by.clone().unwrap_or_else(|| "—".into());
    let (account, ck_id) = (ck.account.clone(), ck.id.clone());
    let label = format!("Revoke consumer key {}", ck.prefix);
    view! {
        <tr data-consumer-key=ck_id>
            <td data-label="Key" class=format!("{TD} font-mono text-xs")>{prefix}</td>
            <td data-label="Account" class=TD>{account}</td>
            <td data-label="Rights" class=TD>
                <div class="flex max-w-xs flex-wrap gap-1">{rights.into_iter().map(|r| view! { <Badge text=r/> }).collect_view()}</div>
            </td>
            <td data-label="Status" class=TD><Badge text=status.label() tone=tone(status)/></td>
            <td data-label="Expires" class=TD><RelativeTime ts=expires never="Never"/></td>
            <td data-label="Last used" class=TD>
                <RelativeTime ts=used/>
                {ip.map(|ip| view! { <span class="block font-mono text-xs text-zinc-500 dark:text-zinc-400">{ip}</span> })}
            </td>
            <td data-label="Decided by" class=TD>{decided}</td>
            <td data-label="Actions" class=TD>
                {revocable.then(|| view! {
                    <button type="button" class=BTN_GHOST aria-label=label on:click=move |_| { revoking.set(Some(ck.clone())); open.set(true); }>
                        "Revoke"
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Asks before revoking one consumer key.
#[component]
fn RevokeKeyDialog(
    id: String,
    revoking: RwSignal<Option<ConsumerKey>>,
    open: RwSignal<bool>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let action = ServerAction::<RevokeConsumerKey>::new();
    let value = action.value();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(ck)) = value.get() {
            toasts.success(format!("Consumer key {}… revoked.", ck.prefix));
            value.set(None);
            open.set(false);
            version.update(|v| *v += 1);
        }
    });
    let error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let revoke = move |_| {
        if let Some(ck) = revoking.get_untracked() {
            action.dispatch(RevokeConsumerKey {
                id: id.clone(),
                consumer_key_id: ck.id,
            });
        }
    };
    view! {
        <Dialog open title="Revoke this consumer key" description="Requests signed with it fail from the next one. The application and its other consumer keys go on working.">
            <p class="text-sm">
                "Consumer key "
                <code class="font-mono">{move || revoking.get().map(|k| format!("{}…", k.prefix)).unwrap_or_default()}</code>
                " on "
                {move || revoking.get().map(|k| k.account).unwrap_or_default()}
            </p>
            <Show when=move || error().is_some()>
                <p role="alert" class="mt-3 text-sm font-medium text-red-600 dark:text-red-400">{error}</p>
            </Show>
            <div class="mt-5 flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class=BTN_DANGER data-testid="confirm-revoke-consumer-key" disabled=move || action.pending().get() on:click=revoke.clone()>"Revoke"</button>
            </div>
        </Dialog>
    }
    .into_any()
}
