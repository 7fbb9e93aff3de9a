//! `/credentials/{id}`: every field, edit, rotate (to a new reveal-once
//! panel), the rotation policy, revoke (after typing the name), and the
//! credential's own audit trail.

use keyward::domain::time::format_utc;
use keyward::domain::{AuditPage, Credential, CredentialKind, CredentialStatus, RateLimitSetting};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::consumer_keys::ConsumerKeys;
use super::form::{CredentialFields, FormState, Mode};
use super::grace::PreviousSecretPanel;
use super::reveal::RevealPanel;
use super::rotation_policy::RotationPolicyPanel;
use super::token::GetTokenPanel;
use crate::api::credentials::{
    RevokeCredential, RotateCredential, UpdateCredential, credential_audit, credential_usage, form_catalog,
    get_credential,
};
use crate::components::{
    BTN_DANGER, BTN_GHOST, BTN_GHOST_PRESSED, BTN_PRIMARY, BTN_SECONDARY, Badge, CHECK, Card, Dialog, EmptyState,
    ErrorNotice, Field, GrantBadges, INPUT, Icon, LINK, ListCard, LoadingRows, RelativeTime, StatusBadge, TD, Table,
    UsageChart, field_error, use_toasts,
};
use crate::shell::use_me;

/// The grace periods offered when rotating.
const GRACE: [(i64, &str); 4] = [
    (0, "End it now"),
    (3_600, "1 hour"),
    (86_400, "24 hours"),
    (604_800, "7 days"),
];

/// The detail page.
#[component]
pub fn CredentialDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let version = RwSignal::new(0u32);
    let credential = Resource::new(move || (id(), version.get()), |(id, _)| get_credential(id));
    let audit = Resource::new(move || (id(), version.get()), |(id, _)| credential_audit(id));
    let days = RwSignal::new(1i64);
    let usage = Resource::new(move || (id(), days.get()), |(id, d)| credential_usage(id, d));
    view! {
        <nav aria-label="Breadcrumb" class="mb-4 flex items-center gap-1 text-sm text-zinc-500 dark:text-zinc-400">
            <A href="/credentials" attr:class=LINK>"Credentials"</A>
            <Icon name="chevron-right"/>
            <span>{move || credential.get().and_then(Result::ok).map(|c| c.name).unwrap_or_default()}</span>
        </nav>
        <Transition fallback=|| view! { <LoadingRows rows=8/> }>
            {move || Suspend::new(async move {
                match credential.await {
                    Ok(c) => view! { <Title text=c.name.clone()/><Detail credential=c version/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Card title="Usage">
                <div class="mb-3 flex gap-1" role="group" aria-label="Range">
                    {[(1i64, "24 h"), (7, "7 days"), (30, "30 days")].into_iter().map(|(d, text)| view! {
                        <button type="button" aria-pressed=move || (days.get() == d).to_string()
                            class=move || if days.get() == d { BTN_GHOST_PRESSED } else { BTN_GHOST } on:click=move |_| days.set(d)>{text}</button>
                    }).collect_view()}
                </div>
                <Transition fallback=|| view! { <LoadingRows rows=3/> }>
                    {move || Suspend::new(async move {
                        match usage.await {
                            Ok(s) => view! { <UsageChart granularity=s.granularity from=s.from to=s.to buckets=s.buckets/> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </Card>
            <ListCard
                title="Activity"
                load=move || async move { audit.await }
                is_empty=|p: &AuditPage| p.entries.is_empty()
                empty=move || view! { <EmptyState title="No activity" description="Changes to this credential appear here."/> }.into_any()
                rows=move |p: AuditPage| view! {
                    <Table label="Recent activity" headers=vec!["When", "Who", "What"]>
                        {p.entries.into_iter().map(|e| {
                            let action = e.action.clone();
                            view! {
                                <tr data-action=action>
                                    <td data-label="When" class=TD><RelativeTime ts=Some(e.at)/></td>
                                    <td data-label="Who" class=TD>{e.actor}</td>
                                    <td data-label="What" class=TD><Badge text=e.action/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                }.into_any()
            />
        </div>
    }
    .into_any()
}

#[component]
fn Row(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="grid gap-1 py-3 sm:grid-cols-3 sm:gap-4">
            <dt class="text-sm font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
            <dd class="min-w-0 text-sm text-zinc-900 sm:col-span-2 dark:text-zinc-100">{children()}</dd>
        </div>
    }
    .into_any()
}

#[component]
fn Detail(credential: Credential, version: RwSignal<u32>) -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me()) && credential.status != CredentialStatus::Revoked;
    let editing = RwSignal::new(false);
    let rotating = RwSignal::new(false);
    let revoking = RwSignal::new(false);
    let c = credential.clone();
    let (for_edit, for_rotate, for_revoke) = (credential.clone(), credential.clone(), credential);
    view! {
        <div class="mb-8 flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
            <div>
                <div class="flex flex-wrap items-center gap-3">
                    <h1 class="text-2xl font-semibold tracking-tight">{c.name.clone()}</h1>
                    <StatusBadge status=c.status/>
                </div>
                <p class="mt-1 font-mono text-sm text-zinc-500 dark:text-zinc-400">{format!("{}…", c.prefix)}" · "{c.kind.label()}" · "{c.environment.label()}" · "{c.account.clone()}</p>
            </div>
            {can_write.then(|| view! {
                <div class="flex flex-wrap gap-2">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| editing.set(true) data-testid="edit"><Icon name="settings"/>"Edit"</button>
                    {(c.kind != CredentialKind::Application).then(|| view! {
                        <button type="button" class=BTN_SECONDARY on:click=move |_| rotating.set(true) data-testid="rotate"><Icon name="rotate"/>"Rotate"</button>
                    })}
                    <button type="button" class=BTN_DANGER on:click=move |_| revoking.set(true) data-testid="revoke"><Icon name="trash"/>"Revoke"</button>
                </div>
            })}
        </div>
        <Show when=move || editing.get() fallback={
            let c = c.clone();
            move || view! { <Fields credential=c.clone()/> }
        }>
            <EditPanel credential=for_edit.clone() editing version/>
        </Show>
        {c.previous_secret.clone().filter(|_| c.status != CredentialStatus::Revoked).map(|previous| view! {
            <PreviousSecretPanel id=c.id.clone() previous can_write version/>
        })}
        {(c.kind != CredentialKind::Application).then(|| view! {
            <RotationPolicyPanel id=c.id.clone() name=c.name.clone() policy=c.rotation.clone() due_at=c.rotation_due_at can_write version/>
        })}
        {c.client_id.clone().filter(|_| c.kind == CredentialKind::OauthClient && c.status != CredentialStatus::Revoked).map(|client_id| view! {
            <div class="mt-6"><GetTokenPanel client_id/></div>
        })}
        {c.client_id.clone().filter(|_| c.kind == CredentialKind::Application).map(|application_key| view! {
            <ConsumerKeys id=c.id.clone() application_key can_write/>
        })}
        {can_write.then(|| view! {
            <RotateDialog credential=for_rotate open=rotating version/>
            <RevokeDialog credential=for_revoke open=revoking version/>
        })}
    }
    .into_any()
}

#[component]
fn Fields(credential: Credential) -> impl IntoView {
    let c = credential;
    let id = c.id.clone();
    let client_id = c.client_id.clone();
    let kind = c.kind;
    let name = c.name.clone();
    let description = c.description.clone().unwrap_or_else(|| "—".into());
    let cidrs: Vec<String> = c.allowed_cidrs.iter().map(ToString::to_string).collect();
    let rights: Vec<String> = c
        .rights
        .iter()
        .map(|r| format!("{} {}", r.methods().join(","), r.path()))
        .collect();
    let created_by = c.created_by.clone();
    let last_ip = c.last_used_ip.clone();
    let metadata = c.metadata.to_string();
    let rate_limit = match c.rate_limit {
        None => "The account's plan".to_owned(),
        Some(RateLimitSetting::Unlimited) => "Unlimited (its own setting)".to_owned(),
        Some(RateLimitSetting::Limited(l)) => format!(
            "{} requests per {} s, bursts of {} (its own setting)",
            l.limit, l.window_seconds, l.burst
        ),
    };
    let (expires_at, auto_renew, created_at, last_used_at, revoked_at) =
        (c.expires_at, c.auto_renew, c.created_at, c.last_used_at, c.revoked_at);
    let list = |items: Vec<String>, none: &'static str| {
        if items.is_empty() {
            view! { <span class="text-zinc-500 dark:text-zinc-400">{none}</span> }.into_any()
        } else {
            view! { <div class="flex flex-wrap gap-1">{items.into_iter().map(|i| view! { <Badge text=i/> }).collect_view()}</div> }.into_any()
        }
    };
    view! {
        <Card title="Details">
            <dl class="divide-y divide-zinc-100 dark:divide-zinc-800">
                <Row label="ID"><code class="font-mono text-xs">{id}</code></Row>
                {client_id.map(|id| view! {
                    <Row label=if kind == CredentialKind::Application { "Application key" } else { "Client ID" }><code class="break-all font-mono text-xs">{id}</code></Row>
                })}
                <Row label="Name">
                    {name}
                    <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">"Names never change, so audit entries keep meaning the same credential."</p>
                </Row>
                <Row label="Description">{description}</Row>
                <Row label="Roles and scopes"><GrantBadges credential=c max=20/></Row>
                <Row label="Allowed IP ranges">{list(cidrs, "Any address")}</Row>
                <Row label="Rights">{list(rights, "Every method and path")}</Row>
                <Row label="Expires">
                    {match expires_at {
                        Some(t) => view! { <span>{format_utc(t)}" ("<RelativeTime ts=Some(t)/>")"</span> }.into_any(),
                        None => view! { <span>"Never"</span> }.into_any(),
                    }}
                </Row>
                <Row label="Auto-renew">{if auto_renew { "On" } else { "Off" }}</Row>
                <Row label="Rate limit">{rate_limit}</Row>
                <Row label="Created"><RelativeTime ts=Some(created_at)/>" by "{created_by}</Row>
                <Row label="Last used">
                    <RelativeTime ts=last_used_at/>
                    {last_ip.map(|ip| view! { <span class="font-mono text-xs text-zinc-500 dark:text-zinc-400">" from "{ip}</span> })}
                </Row>
                {revoked_at.map(|t| view! { <Row label="Revoked"><RelativeTime ts=Some(t)/></Row> })}
                <Row label="Metadata"><code class="break-all font-mono text-xs">{metadata}</code></Row>
            </dl>
        </Card>
    }
    .into_any()
}

#[component]
fn EditPanel(credential: Credential, editing: RwSignal<bool>, version: RwSignal<u32>) -> impl IntoView {
    let state = FormState::from_credential(&credential);
    let catalog = Resource::new(|| (), |_| form_catalog());
    let action = ServerAction::<UpdateCredential>::new();
    let value = action.value();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(c)) = value.get() {
            toasts.success(format!("Saved {}.", c.name));
            editing.set(false);
            version.update(|v| *v += 1);
        }
    });
    let server_error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let id = credential.id.clone();
    let loaded = credential.version;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        state.submitted.set(true);
        if state.errors(Mode::Edit).is_empty() {
            action.dispatch(UpdateCredential {
                id: id.clone(),
                patch: state.to_patch(),
                version: Some(loaded),
            });
        }
    };
    view! {
        <form on:submit=submit novalidate data-testid="edit-form">
            <Card title="Edit">
                <Suspense fallback=|| view! { <LoadingRows rows=6/> }>
                    {move || Suspend::new(async move {
                        match catalog.await {
                            Ok(c) => view! { <CredentialFields state catalog=c mode=Mode::Edit/> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            </Card>
            <Show when=move || server_error().is_some()>
                <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300" data-testid="form-error">{server_error}</p>
            </Show>
            <div class="mt-4 flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=move |_| editing.set(false)>"Cancel"</button>
                <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>"Save changes"</button>
            </div>
        </form>
    }
    .into_any()
}

#[component]
fn RotateDialog(credential: Credential, open: RwSignal<bool>, version: RwSignal<u32>) -> impl IntoView {
    let grace = RwSignal::new(86_400i64);
    let action = ServerAction::<RotateCredential>::new();
    let value = action.value();
    let id = credential.id.clone();
    let rotate = move |_| {
        action.dispatch(RotateCredential {
            id: id.clone(),
            grace_period_seconds: grace.get_untracked(),
        });
    };
    let done = move |_| {
        value.set(None);
        open.set(false);
        version.update(|v| *v += 1);
    };
    let error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <Dialog open title="Rotate the secret" description="A new secret is issued. The old one keeps working for the grace period, so you can roll it out without downtime.">
            {move || match value.get() {
                Some(Ok(created)) => view! { <RevealPanel created on_done=done/> }.into_any(),
                _ => view! {
                    <fieldset class="space-y-2">
                        <legend class="mb-1 text-sm font-medium">"Grace period for the current secret"</legend>
                        {GRACE.into_iter().map(|(secs, label)| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="radio" name="grace" class=CHECK prop:checked=move || grace.get() == secs on:change=move |_| grace.set(secs)/>
                                {label}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <Show when=move || error().is_some()>
                        <p role="alert" class="mt-3 text-sm font-medium text-red-600">{error}</p>
                    </Show>
                    <div class="mt-5 flex justify-end gap-2">
                        <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="button" class=BTN_PRIMARY disabled=move || action.pending().get() on:click=rotate.clone()>"Rotate"</button>
                    </div>
                }.into_any(),
            }}
        </Dialog>
    }
    .into_any()
}

#[component]
fn RevokeDialog(credential: Credential, open: RwSignal<bool>, version: RwSignal<u32>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let action = ServerAction::<RevokeCredential>::new();
    let value = action.value();
    let toasts = use_toasts();
    let name = credential.name.clone();
    let matches = {
        let name = name.clone();
        move || typed.get().trim() == name
    };
    Effect::new(move |_| {
        if let Some(Ok(c)) = value.get() {
            toasts.success(format!("{} revoked.", c.name));
            open.set(false);
            version.update(|v| *v += 1);
        }
    });
    let id = credential.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(RevokeCredential {
            id: id.clone(),
            confirm_name: typed.get_untracked(),
        });
    };
    let other = move || match value.get() {
        Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
        _ => None,
    };
    view! {
        <Dialog open title="Revoke this credential" description="It stops working on the next request. This cannot be undone; the record stays in the audit trail.">
            <form on:submit=submit class="space-y-4" novalidate>
                <Field label=format!("Type {name} to confirm") id="revoke-confirm" error=field_error(value, "confirm_name")>
                    <input id="revoke-confirm" class=INPUT autocomplete="off" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
                </Field>
                <Show when=move || other().is_some()>
                    <p role="alert" class="text-sm font-medium text-red-600">{other}</p>
                </Show>
                <div class="flex justify-end gap-2">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=BTN_DANGER disabled=move || !matches() || action.pending().get()>"Revoke"</button>
                </div>
            </form>
        </Dialog>
    }
    .into_any()
}
