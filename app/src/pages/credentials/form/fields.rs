//! The form's own fields: name, description, kind, environment, account,
//! expiry, auto-renew, rate limit, metadata and the token settings, around
//! the access and rotation sections.

use keyward::domain::credential::{
    BASIC_MAX_LIFETIME_SECS, DEFAULT_TOKEN_TTL_SECS, MAX_TOKEN_TTL_SECS, MIN_TOKEN_TTL_SECS,
};
use keyward::domain::{CredentialKind, Environment, Expiry};
use leptos::prelude::*;

use super::access::{CidrEditor, RightsEditor, RolesPicker, ScopePicker};
use super::checks::error_for;
use super::rotation::RotationSection;
use super::state::{FormState, Mode};
use crate::api::credentials::FormChoices;
use crate::components::{CHECK, Field, INPUT};

/// The expiry choices for a kind: a Basic credential expires within a month.
fn presets(kind: CredentialKind) -> Vec<Expiry> {
    Expiry::PRESETS
        .into_iter()
        .filter(|p| kind != CredentialKind::Basic || p.lifetime_secs().is_some_and(|l| l <= BASIC_MAX_LIFETIME_SECS))
        .collect()
}

/// Every field of the form. Create shows name, kind, environment and account as
/// inputs; edit shows them read-only.
#[component]
pub fn CredentialFields(state: FormState, catalog: FormChoices, mode: Mode) -> impl IntoView {
    let name_touched = RwSignal::new(false);
    let resources = catalog.resources.clone();
    let accounts = catalog.accounts.clone();
    let viewer_accounts_list = catalog.accounts.clone();
    let expiry_error = error_for(state, mode, "expires", RwSignal::new(true));
    let cidr_error = error_for(state, mode, "allowed_cidrs", RwSignal::new(false));
    let rights_error = error_for(state, mode, "rights", RwSignal::new(true));
    let metadata_error = error_for(state, mode, "metadata", RwSignal::new(true));
    let ttl_error = error_for(state, mode, "token_ttl_seconds", RwSignal::new(true));
    let auto_renew_error = error_for(state, mode, "auto_renew", RwSignal::new(true));
    let rate_limit_touched = RwSignal::new(false);
    let rate_limit_error = error_for(state, mode, "rate_limit", rate_limit_touched);
    let name_error = error_for(state, mode, "name", name_touched);
    let description_error = error_for(state, mode, "description", RwSignal::new(true));
    let ttl_hint = format!(
        "{MIN_TOKEN_TTL_SECS} to {MAX_TOKEN_TTL_SECS}. Empty means {DEFAULT_TOKEN_TTL_SECS} ({} hours).",
        DEFAULT_TOKEN_TTL_SECS / 3600
    );

    view! {
        <div class="space-y-8">
            <section class="grid gap-5 sm:grid-cols-2">
                {match mode {
                    Mode::Create => view! {
                        <Field label="Name" id="cred-name" hint="Unique in the account. It never changes." error=name_error>
                            <input id="cred-name" class=INPUT autocomplete="off" required
                                aria-invalid=move || name_error.get().is_some().to_string()
                                prop:value=move || state.name.get()
                                on:input=move |ev| { state.name.set(event_target_value(&ev)); name_touched.set(true); }/>
                        </Field>
                    }.into_any(),
                    Mode::Edit => view! {
                        <div class="space-y-1.5">
                            <p class="text-sm font-medium">"Name"</p>
                            <p class="font-medium">{move || state.name.get()}</p>
                            <p class="text-xs text-zinc-500 dark:text-zinc-400">"Names never change, so audit entries and logs keep meaning the same credential. Create a new one to use a new name."</p>
                        </div>
                    }.into_any(),
                }}
                <Field label="Description" id="cred-description" hint="Optional: what it is for, who owns it." error=description_error>
                    <input id="cred-description" class=INPUT autocomplete="off" prop:value=move || state.description.get()
                        on:input=move |ev| state.description.set(event_target_value(&ev))/>
                </Field>
                {(mode == Mode::Create).then(|| view! {
                    <Field label="Kind" id="cred-kind">
                        <select id="cred-kind" class=INPUT on:change=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse::<CredentialKind>() {
                                state.kind.set(k);
                                if k == CredentialKind::Basic && !presets(k).iter().any(|p| p.to_string() == state.expiry.get_untracked()) {
                                    state.expiry.set("1mo".into());
                                }
                            }
                        }>
                            {CredentialKind::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=move || state.kind.get() == k>{k.label()}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label="Environment" id="cred-env" hint="Goes into the prefix: kw_prod_…, kw_stg_…, kw_dev_…">
                        <select id="cred-env" class=INPUT on:change=move |ev| { if let Ok(e) = event_target_value(&ev).parse() { state.environment.set(e) } }>
                            {Environment::ALL.into_iter().map(|e| view! { <option value=e.as_str() selected=move || state.environment.get() == e>{e.label()}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label="Account" id="cred-account">
                        <select id="cred-account" class=INPUT on:change=move |ev| state.account.set(event_target_value(&ev))>
                            {accounts.clone().into_iter().map(|a| { let sel = a.clone(); view! { <option value=a.clone() selected=move || state.account.get() == sel>{a.clone()}</option> } }).collect_view()}
                        </select>
                    </Field>
                })}
                <Field label="Expires" id="cred-expiry" error=expiry_error>
                    <div class="flex gap-2">
                        <select id="cred-expiry" class=INPUT on:change=move |ev| state.expiry.set(event_target_value(&ev))>
                            {(mode == Mode::Edit).then(|| view! { <option value="" selected=move || state.expiry.get().is_empty()>"Keep the current expiry"</option> })}
                            {move || presets(state.kind.get()).into_iter().map(|p| {
                                let v = p.to_string();
                                let sel = v.clone();
                                view! { <option value=v selected=move || state.expiry.get() == sel>{p.label()}</option> }
                            }).collect_view()}
                            <option value="custom" selected=move || state.expiry.get() == "custom">"Custom (days)"</option>
                        </select>
                        <Show when=move || state.expiry.get() == "custom">
                            <label for="cred-days" class="sr-only">"Days"</label>
                            <input id="cred-days" type="number" min="1" max="3650" class=format!("{INPUT} w-28")
                                prop:value=move || state.custom_days.get() on:input=move |ev| state.custom_days.set(event_target_value(&ev))/>
                        </Show>
                    </div>
                    <p class="text-xs text-zinc-500 dark:text-zinc-400">
                        {move || match state.kind.get() {
                            CredentialKind::Basic => "A Basic credential expires within 1 month.",
                            CredentialKind::Application => "Never (unlimited) suits an application; each consumer key gets its own validity when approved.",
                            _ => "Six months is the default. Never is possible, and risky.",
                        }}
                    </p>
                </Field>
            </section>

            <ScopePicker state resources/>
            {move || (state.kind.get() != CredentialKind::Application).then(|| view! {
                <RolesPicker state accounts=viewer_accounts_list.clone()/>
            })}
            <CidrEditor state error=cidr_error/>
            <RightsEditor state error=rights_error/>
            {move || (state.kind.get() != CredentialKind::Application).then(|| view! { <RotationSection state mode/> })}

            <section class="grid gap-5 sm:grid-cols-2">
                <label class="flex items-start gap-3 text-sm">
                    <input type="checkbox" class=format!("{CHECK} mt-0.5") prop:checked=move || state.auto_renew.get()
                        on:change=move |ev| state.auto_renew.set(event_target_checked(&ev))/>
                    <span>
                        <span class="block font-medium">"Auto-renew"</span>
                        <span class="block text-zinc-500 dark:text-zinc-400">"Extend by the original lifetime when it is within a day of expiry. The secret stays the same."</span>
                        <span id="cred-auto-renew-error" role="alert" class="block text-red-600 dark:text-red-400">{move || auto_renew_error.get()}</span>
                    </span>
                </label>
                <Field label="Rate limit" id="cred-rate-limit" error=rate_limit_error
                    hint="Empty: the account's plan. Or unlimited, or LIMIT/WINDOW_SECONDS[,BURST], e.g. 600/60,100.">
                    <input id="cred-rate-limit" class=format!("{INPUT} font-mono") autocomplete="off" placeholder="account plan"
                        prop:value=move || state.rate_limit.get()
                        on:input=move |ev| { state.rate_limit.set(event_target_value(&ev)); rate_limit_touched.set(true); }
                        aria-invalid=move || rate_limit_error.get().is_some().to_string() aria-describedby="cred-rate-limit-error"/>
                </Field>
                <Field label="Metadata" id="cred-metadata" hint="Optional JSON object, e.g. {\"team\": \"payments\"}." error=metadata_error>
                    <textarea id="cred-metadata" rows="3" class=format!("{INPUT} font-mono") prop:value=move || state.metadata.get()
                        on:input=move |ev| state.metadata.set(event_target_value(&ev))></textarea>
                </Field>
                <Show when=move || mode == Mode::Create && state.kind.get() == CredentialKind::ApiKey>
                    <label class="flex items-start gap-3 text-sm">
                        <input id="cred-jwt" type="checkbox" class=format!("{CHECK} mt-0.5") prop:checked=move || state.jwt.get()
                            on:change=move |ev| state.jwt.set(event_target_checked(&ev))/>
                        <span>
                            <span class="block font-medium">"Issue as a signed JWT"</span>
                            <span class="block text-zinc-500 dark:text-zinc-400">"The secret is a JWT carrying its own expiry and jti, checked by signature and revocation."</span>
                        </span>
                    </label>
                </Show>
                <Show when=move || state.kind.get() == CredentialKind::OauthClient>
                    <Field label="Access-token lifetime (seconds)" id="cred-token-ttl" hint=ttl_hint.clone() error=ttl_error>
                        <input id="cred-token-ttl" type="number" min=MIN_TOKEN_TTL_SECS max=MAX_TOKEN_TTL_SECS class=INPUT placeholder=DEFAULT_TOKEN_TTL_SECS
                            prop:value=move || state.token_ttl.get() on:input=move |ev| state.token_ttl.set(event_target_value(&ev))/>
                    </Field>
                </Show>
            </section>
        </div>
    }
    .into_any()
}
