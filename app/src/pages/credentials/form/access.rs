//! What the credential may reach: scopes, roles, allowed IP ranges and
//! rights, each an editable list.

use keyward::domain::Cidr;
use keyward::domain::right::METHODS;
use leptos::prelude::*;

pub(super) use super::scope_picker::ScopePicker;
use super::state::FormState;
use crate::components::{BTN_GHOST, BTN_SECONDARY, CHECK, INPUT, Icon, capitalise};

/// Roles, with the account picker for Account Viewer.
#[component]
pub(super) fn RolesPicker(state: FormState, accounts: Vec<String>) -> impl IntoView {
    let role = move |signal: RwSignal<bool>, label: &'static str, help: &'static str| {
        view! {
            <label class="flex items-start gap-3 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-700">
                <input type="checkbox" class=format!("{CHECK} mt-0.5") prop:checked=move || signal.get()
                    on:change=move |ev| signal.set(event_target_checked(&ev))/>
                <span>
                    <span class="block font-medium">{label}</span>
                    <span class="block text-zinc-500 dark:text-zinc-400">{help}</span>
                </span>
            </label>
        }
    };
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Roles"</legend>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">"Roles add scopes and widen which accounts the credential reaches."</p>
            <div class="mt-3 grid gap-2 sm:grid-cols-3">
                {role(state.global_admin, "Global Admin", "*:admin on every account.")}
                {role(state.global_viewer, "Global Viewer", "*:read on every account.")}
                {role(state.account_viewer, "Account Viewer", "*:read on the accounts you choose.")}
            </div>
            <Show when=move || state.account_viewer.get()>
                <div class="mt-3 rounded-lg border border-zinc-200 p-3 dark:border-zinc-700">
                    <p class="text-sm font-medium">"Accounts the Account Viewer reads"</p>
                    <p class="text-xs text-zinc-500 dark:text-zinc-400">"None ticked means all accounts, including later ones."</p>
                    <div class="mt-2 flex flex-wrap gap-4">
                        {accounts.clone().into_iter().map(|a| {
                            let (a1, a2) = (a.clone(), a.clone());
                            view! {
                                <label class="flex items-center gap-2 text-sm">
                                    <input type="checkbox" class=CHECK prop:checked=move || state.viewer_accounts.get().contains(&a1)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let a = a2.clone();
                                            state.viewer_accounts.update(|l| { l.retain(|x| *x != a); if on { l.push(a) } });
                                        }/>
                                    {a.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </div>
            </Show>
        </fieldset>
    }
    .into_any()
}

/// A list of CIDR inputs, each checked as it is typed.
#[component]
pub(super) fn CidrEditor(state: FormState, error: Signal<Option<String>>) -> impl IntoView {
    let add = move |_| state.cidrs.update(|l| l.push(String::new()));
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Allowed IP ranges"</legend>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">"IPv4 or IPv6, e.g. 203.0.113.0/24 or 2001:db8::/32. Leave empty to allow any address."</p>
            <div class="mt-3 space-y-2">
                {move || (0..state.cidrs.get().len()).map(|i| {
                    let value = move || state.cidrs.get().get(i).cloned().unwrap_or_default();
                    let entry_error = move || {
                        let v = value();
                        (!v.trim().is_empty()).then(|| Cidr::parse(&v).err()).flatten().map(|e| capitalise(&e.message))
                    };
                    let id = format!("cidr-{i}");
                    view! {
                        <div>
                            <div class="flex gap-2">
                                <label for=id.clone() class="sr-only">{format!("IP range {}", i + 1)}</label>
                                <input id=id class=format!("{INPUT} font-mono") placeholder="203.0.113.0/24" autocomplete="off"
                                    aria-invalid=move || entry_error().is_some().to_string()
                                    prop:value=value
                                    on:input=move |ev| { let v = event_target_value(&ev); state.cidrs.update(|l| if let Some(x) = l.get_mut(i) { *x = v }) }/>
                                <button type="button" class=BTN_GHOST aria-label=format!("Remove IP range {}", i + 1)
                                    on:click=move |_| state.cidrs.update(|l| { if i < l.len() { l.remove(i); } })>
                                    <Icon name="x"/>
                                </button>
                            </div>
                            <p role="alert" class="mt-1 text-xs font-medium text-red-600 dark:text-red-400" data-testid="cidr-error">{entry_error}</p>
                        </div>
                    }
                }).collect_view()}
            </div>
            <button type="button" class=format!("{BTN_SECONDARY} mt-2") on:click=add><Icon name="plus"/>"Add IP range"</button>
            <p role="alert" class="mt-1 min-h-4 text-xs font-medium text-red-600 dark:text-red-400">{move || error.get()}</p>
        </fieldset>
    }
    .into_any()
}

/// Rights: method checkboxes plus a path pattern per row.
#[component]
pub(super) fn RightsEditor(state: FormState, error: Signal<Option<String>>) -> impl IntoView {
    let add = move |_| state.rights.update(|l| l.push((vec!["GET".into()], "/*".into())));
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Rights"</legend>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
                {move || if state.kind.get() == keyward::domain::CredentialKind::Application {
                    "Paths below the API base (/1.0), e.g. /me or /compute/*; * matches anything, / included. Consumer keys may ask only for rights within these; leave empty to let them ask for any."
                } else {
                    "Which methods on which paths; * matches anything, / included. Leave empty to allow every call."
                }}
            </p>
            <div class="mt-3 space-y-2">
                {move || (0..state.rights.get().len()).map(|i| {
                    let row = move || state.rights.get().get(i).cloned().unwrap_or_default();
                    view! {
                        <div class="flex flex-wrap items-center gap-3 rounded-lg border border-zinc-200 p-3 dark:border-zinc-700">
                            {METHODS[..5].iter().map(|m| {
                                let m = *m;
                                view! {
                                    <label class="flex items-center gap-1.5 text-xs font-medium">
                                        <input type="checkbox" class=CHECK prop:checked=move || row().0.iter().any(|x| x == m)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                state.rights.update(|l| if let Some((ms, _)) = l.get_mut(i) { ms.retain(|x| x != m); if on { ms.push(m.to_owned()) } });
                                            }/>
                                        {m}
                                    </label>
                                }
                            }).collect_view()}
                            <label for=format!("right-path-{i}") class="sr-only">{format!("Path of right {}", i + 1)}</label>
                            <input id=format!("right-path-{i}") class=format!("{INPUT} min-w-40 flex-1 font-mono") placeholder="/v1/instances/*"
                                prop:value=move || row().1
                                on:input=move |ev| { let v = event_target_value(&ev); state.rights.update(|l| if let Some((_, p)) = l.get_mut(i) { *p = v }) }/>
                            <button type="button" class=BTN_GHOST aria-label=format!("Remove right {}", i + 1)
                                on:click=move |_| state.rights.update(|l| { if i < l.len() { l.remove(i); } })>
                                <Icon name="x"/>
                            </button>
                        </div>
                    }
                }).collect_view()}
            </div>
            <button type="button" class=format!("{BTN_SECONDARY} mt-2") on:click=add><Icon name="plus"/>"Add right"</button>
            <p role="alert" class="mt-1 min-h-4 text-xs font-medium text-red-600 dark:text-red-400">{move || error.get()}</p>
        </fieldset>
    }
    .into_any()
}
