//! The credential form's fields, shared by create and edit. Every rule is the
//! domain's own (`Cidr::parse`, `Right::new`, `check_kind_rules`, …), run here
//! as the user types and again on the server.

use keyward::domain::credential::CredentialPatch;
use keyward::domain::credential::{BASIC_MAX_LIFETIME_SECS, check_auto_renew, check_kind_rules, validate_metadata};
use keyward::domain::credential::{KeyFormat, check_token_ttl};
use keyward::domain::right::METHODS;
use keyward::domain::{
    Cidr, CredentialInput, CredentialKind, CredentialRole, Environment, Expiry, KeyName, RateLimitSetting, Right,
};
use leptos::prelude::*;

use crate::api::credentials::FormChoices;
use crate::components::{BTN_GHOST, BTN_SECONDARY, CHECK, Field, INPUT, Icon};

/// Whether the form creates a credential or edits one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Edit,
}

/// The form's state: one signal per field.
#[derive(Debug, Clone, Copy)]
pub struct FormState {
    pub name: RwSignal<String>,
    pub description: RwSignal<String>,
    pub kind: RwSignal<CredentialKind>,
    pub environment: RwSignal<Environment>,
    pub account: RwSignal<String>,
    /// A preset (`6mo`), `custom`, or empty for "keep" when editing.
    pub expiry: RwSignal<String>,
    pub custom_days: RwSignal<String>,
    pub scopes: RwSignal<Vec<String>>,
    pub global_admin: RwSignal<bool>,
    pub global_viewer: RwSignal<bool>,
    pub account_viewer: RwSignal<bool>,
    pub viewer_accounts: RwSignal<Vec<String>>,
    pub cidrs: RwSignal<Vec<String>>,
    pub rights: RwSignal<Vec<(Vec<String>, String)>>,
    pub auto_renew: RwSignal<bool>,
    pub metadata: RwSignal<String>,
    /// An API key whose secret is a signed JWT.
    pub jwt: RwSignal<bool>,
    /// An OAuth client's access-token lifetime in seconds; empty for the default.
    pub token_ttl: RwSignal<String>,
    /// Its own rate limit (`unlimited` or `LIMIT/WINDOW[,BURST]`); empty for the account plan's.
    pub rate_limit: RwSignal<String>,
    /// Errors show for untouched fields only after a submit attempt.
    pub submitted: RwSignal<bool>,
}

impl FormState {
    /// An empty create form with the defaults of the API.
    pub fn new(account: String) -> Self {
        Self {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            kind: RwSignal::new(CredentialKind::ApiKey),
            environment: RwSignal::new(Environment::Prod),
            account: RwSignal::new(account),
            expiry: RwSignal::new("6mo".into()),
            custom_days: RwSignal::new("90".into()),
            scopes: RwSignal::new(Vec::new()),
            global_admin: RwSignal::new(false),
            global_viewer: RwSignal::new(false),
            account_viewer: RwSignal::new(false),
            viewer_accounts: RwSignal::new(Vec::new()),
            cidrs: RwSignal::new(Vec::new()),
            rights: RwSignal::new(Vec::new()),
            auto_renew: RwSignal::new(false),
            metadata: RwSignal::new(String::new()),
            jwt: RwSignal::new(false),
            token_ttl: RwSignal::new(String::new()),
            rate_limit: RwSignal::new(String::new()),
            submitted: RwSignal::new(false),
        }
    }

    /// An edit form holding a credential's current values.
    pub fn from_credential(c: &keyward::domain::Credential) -> Self {
        let s = Self::new(c.account.clone());
        s.name.set(c.name.clone());
        s.description.set(c.description.clone().unwrap_or_default());
        s.kind.set(c.kind);
        s.environment.set(c.environment);
        s.expiry.set(String::new());
        s.scopes.set(c.scopes.iter().map(ToString::to_string).collect());
        for r in &c.roles {
            match r {
                CredentialRole::GlobalAdmin => s.global_admin.set(true),
                CredentialRole::GlobalViewer => s.global_viewer.set(true),
                CredentialRole::AccountViewer { accounts } => {
                    s.account_viewer.set(true);
                    s.viewer_accounts.set(accounts.clone());
                }
            }
        }
        s.cidrs.set(c.allowed_cidrs.iter().map(ToString::to_string).collect());
        s.rights.set(
            c.rights
                .iter()
                .map(|r| (r.methods().to_vec(), r.path().to_owned()))
                .collect(),
        );
        s.auto_renew.set(c.auto_renew);
        s.jwt.set(c.format == KeyFormat::Jwt);
        s.token_ttl
            .set(c.token_ttl_seconds.map(|t| t.to_string()).unwrap_or_default());
        s.rate_limit
            .set(c.rate_limit.map(|r| r.to_string()).unwrap_or_default());
        if c.metadata.as_object().is_some_and(|o| !o.is_empty()) {
            s.metadata.set(c.metadata.to_string());
        }
        s
    }

    fn expires(&self) -> Option<String> {
        match self.expiry.get().as_str() {
            "" => None,
            "custom" => Some(format!("custom:{}", self.custom_days.get().trim())),
            p => Some(p.to_owned()),
        }
    }

    fn roles(&self) -> Vec<CredentialRole> {
        let mut roles = Vec::new();
        if self.global_admin.get() {
            roles.push(CredentialRole::GlobalAdmin);
        }
        if self.global_viewer.get() {
            roles.push(CredentialRole::GlobalViewer);
        }
        if self.account_viewer.get() {
            roles.push(CredentialRole::AccountViewer {
                accounts: self.viewer_accounts.get(),
            });
        }
        roles
    }

    fn rights_value(&self) -> Result<Vec<Right>, String> {
        self.rights
            .get()
            .into_iter()
            .filter(|(m, p)| !m.is_empty() || !p.trim().is_empty())
            .map(|(m, p)| Right::new(m, &p).map_err(|e| e.message))
            .collect()
    }

    fn token_ttl_value(&self) -> Result<Option<i64>, String> {
        if self.kind.get() != CredentialKind::OauthClient {
            return Ok(None);
        }
        let text = self.token_ttl.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        let ttl = text
            .trim()
            .parse::<i64>()
            .map_err(|_| "must be a whole number of seconds".to_owned())?;
        check_token_ttl(self.kind.get(), Some(ttl)).map_err(|e| e.message)?;
        Ok(Some(ttl))
    }

    fn rate_limit_value(&self) -> Result<Option<RateLimitSetting>, String> {
        let text = self.rate_limit.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|e: keyward::domain::ValidationError| e.message)
    }

    fn metadata_value(&self) -> Result<Option<serde_json::Value>, String> {
        let text = self.metadata.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("is not valid JSON: {e}"))?;
        validate_metadata(&v).map_err(|e| e.message)?;
        Ok(Some(v))
    }

    /// The create request, if every field is valid.
    pub fn to_input(self) -> CredentialInput {
        CredentialInput {
            account: Some(self.account.get()),
            name: self.name.get(),
            description: Some(self.description.get()).filter(|d| !d.trim().is_empty()),
            kind: Some(self.kind.get()),
            environment: Some(self.environment.get()),
            scopes: self.scopes.get(),
            roles: self.roles(),
            allowed_cidrs: self.cidrs.get().into_iter().filter(|c| !c.trim().is_empty()).collect(),
            rights: self.rights_value().unwrap_or_default(),
            expires: self.expires(),
            auto_renew: self.auto_renew.get(),
            metadata: self.metadata_value().unwrap_or_default(),
            format: (self.kind.get() == CredentialKind::ApiKey && self.jwt.get()).then_some(KeyFormat::Jwt),
            token_ttl_seconds: self.token_ttl_value().unwrap_or_default(),
            rate_limit: self.rate_limit_value().unwrap_or_default(),
        }
    }

    /// The edit request: every editable field, so what the form shows is what is saved.
    pub fn to_patch(self) -> CredentialPatch {
        CredentialPatch {
            name: None,
            description: Some(self.description.get()),
            scopes: Some(self.scopes.get()),
            roles: Some(self.roles()),
            allowed_cidrs: Some(self.cidrs.get().into_iter().filter(|c| !c.trim().is_empty()).collect()),
            rights: Some(self.rights_value().unwrap_or_default()),
            expires: self.expires(),
            auto_renew: Some(self.auto_renew.get()),
            metadata: Some(
                self.metadata_value()
                    .unwrap_or_default()
                    .unwrap_or_else(|| serde_json::json!({})),
            ),
            token_ttl_seconds: self.token_ttl_value().unwrap_or_default(),
            rate_limit: Some(self.rate_limit_value().unwrap_or_default()),
        }
    }

    /// The first problem of each field, by field name.
    pub fn errors(&self, mode: Mode) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if mode == Mode::Create
            && let Err(e) = KeyName::parse(&self.name.get())
        {
            out.push(("name", e.message));
        }
        if self.description.get().chars().count() > 500 {
            out.push(("description", "must be at most 500 characters".into()));
        }
        let lifetime = match self.expires() {
            None => Ok(Some(i64::MAX)),
            Some(e) => Expiry::parse(&e).map(|x| x.lifetime_secs()).map_err(|e| e.message),
        };
        match &lifetime {
            Err(m) => out.push(("expires", m.clone())),
            Ok(l) => {
                let cidrs: Vec<Cidr> = self.cidrs.get().iter().filter_map(|c| Cidr::parse(c).ok()).collect();
                let known = if *l == Some(i64::MAX) { Some(0) } else { *l };
                if let Err(e) = check_kind_rules(self.kind.get(), known, &cidrs) {
                    out.push((
                        if e.field == "expires" {
                            "expires"
                        } else {
                            "allowed_cidrs"
                        },
                        e.message,
                    ));
                }
            }
        }
        if self
            .cidrs
            .get()
            .iter()
            .any(|c| !c.trim().is_empty() && Cidr::parse(c).is_err())
        {
            out.push(("allowed_cidrs", "fix the ranges marked below".into()));
        }
        if let (Some(Ok(l)), true) = (
            self.expires().map(|e| Expiry::parse(&e).map(|x| x.lifetime_secs())),
            self.auto_renew.get(),
        ) && let Err(e) = check_auto_renew(true, l)
        {
            out.push(("auto_renew", e.message));
        }
        if let Err(m) = self.rights_value() {
            out.push(("rights", m));
        }
        if let Err(m) = self.metadata_value() {
            out.push(("metadata", m));
        }
        if let Err(m) = self.token_ttl_value() {
            out.push(("token_ttl_seconds", m));
        }
        if let Err(m) = self.rate_limit_value() {
            out.push(("rate_limit", m));
        }
        out
    }
}

/// The error for `field`, shown once the field is worth judging.
fn error_for(state: FormState, mode: Mode, field: &'static str, touched: RwSignal<bool>) -> Signal<Option<String>> {
    Signal::derive(move || {
        if !(touched.get() || state.submitted.get()) {
            return None;
        }
        state
            .errors(mode)
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| capitalise(&m))
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

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
                <Field label="Description" id="cred-description" hint="Optional: what it is for, who owns it.">
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
                        {move || if state.kind.get() == CredentialKind::Basic { "A Basic credential expires within 1 month." } else { "Six months is the default. Never is possible, and risky." }}
                    </p>
                </Field>
            </section>

            <ScopePicker state resources/>
            <RolesPicker state accounts=viewer_accounts_list/>
            <CidrEditor state error=cidr_error/>
            <RightsEditor state error=rights_error/>

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
                    <Field label="Access-token lifetime (seconds)" id="cred-token-ttl" hint="60 to 86400. Empty means 43200 (12 hours)." error=ttl_error>
                        <input id="cred-token-ttl" type="number" min="60" max="86400" class=INPUT placeholder="43200"
                            prop:value=move || state.token_ttl.get() on:input=move |ev| state.token_ttl.set(event_target_value(&ev))/>
                    </Field>
                </Show>
            </section>
        </div>
    }
    .into_any()
}

/// One row per catalog resource (and `*`): none, read, write, admin or every action.
#[component]
fn ScopePicker(state: FormState, resources: Vec<String>) -> impl IntoView {
    let mut rows = resources;
    rows.push("*".into());
    let current = move |resource: &str| {
        state
            .scopes
            .get()
            .iter()
            .find_map(|s| {
                s.split_once(':')
                    .filter(|(r, _)| *r == resource)
                    .map(|(_, a)| a.to_owned())
            })
            .unwrap_or_default()
    };
    let set = move |resource: String, action: String| {
        state.scopes.update(|list| {
            list.retain(|s| s.split_once(':').is_none_or(|(r, _)| r != resource));
            if !action.is_empty() {
                list.push(format!("{resource}:{action}"));
            }
            list.sort();
        });
    };
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Scopes"</legend>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">"admin includes write, write includes read. The * row grants on every resource."</p>
            <div class="mt-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
                {rows.into_iter().map(|resource| {
                    let id = format!("scope-{}", if resource == "*" { "all".to_owned() } else { resource.clone() });
                    let r1 = resource.clone();
                    let r2 = resource.clone();
                    view! {
                        <div class="flex items-center justify-between gap-3 rounded-lg border border-zinc-200 px-3 py-2 dark:border-zinc-700">
                            <label for=id.clone() class="font-mono text-sm">{if resource == "*" { "* (all)".to_owned() } else { resource.clone() }}</label>
                            <select id=id class="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
                                on:change=move |ev| set(r1.clone(), event_target_value(&ev))>
                                {["", "read", "write", "admin", "*"].into_iter().map(|a| {
                                    let r = r2.clone();
                                    view! { <option value=a selected=move || current(&r) == a>{if a.is_empty() { "—" } else { a }}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
    .into_any()
}

/// Roles, with the account picker for Account Viewer.
#[component]
fn RolesPicker(state: FormState, accounts: Vec<String>) -> impl IntoView {
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
                    <p class="text-xs text-zinc-500">"None ticked means all accounts, including later ones."</p>
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
fn CidrEditor(state: FormState, error: Signal<Option<String>>) -> impl IntoView {
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
fn RightsEditor(state: FormState, error: Signal<Option<String>>) -> impl IntoView {
    let add = move |_| state.rights.update(|l| l.push((vec!["GET".into()], "/*".into())));
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Rights"</legend>
            <p class="mt-1 text-xs text-zinc-500 dark:text-zinc-400">"Which methods on which paths; * matches anything, / included. Leave empty to allow every call."</p>
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
