//! `/users`: console users, their roles, and who may see which accounts.

use keyward::domain::{Account, AccountAccess, AccountId, Email, Password, Role, User, UserId};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::list_accounts;
use crate::api::two_factor::{ResetTwoFactor, two_factor_enrolled};
use crate::api::users::{CreateUser, SetUserDisabled, UpdateUser, list_users};
use crate::components::{
    BTN_GHOST, BTN_PRIMARY, BTN_SECONDARY, Badge, CHECK, Dialog, EmptyState, Field, INPUT, Icon, ListCard, PageHeader,
    RelativeTime, TD, TD_XL, Table, Tone, field_error, use_toasts,
};
use crate::shell::use_me;

fn role_tone(role: Role) -> Tone {
    match role {
        Role::GlobalAdmin => Tone::Info,
        Role::GlobalViewer => Tone::Neutral,
        Role::AccountViewer => Tone::Warn,
    }
}

fn access_text(access: &AccountAccess, role: Role, accounts: &[Account]) -> String {
    match (role, access) {
        (Role::AccountViewer, AccountAccess::Only(ids)) if ids.is_empty() => "No accounts".into(),
        (Role::AccountViewer, AccountAccess::Only(ids)) => accounts
            .iter()
            .filter(|a| ids.contains(&a.id))
            .map(|a| a.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        _ => "All accounts".into(),
    }
}

/// The users list, with create, edit and disable for Global Admins.
#[component]
pub fn UsersPage() -> impl IntoView {
    let me = use_me();
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let disable = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetTwoFactor>::new();
    let resetting = RwSignal::new(None::<User>);
    let users = Resource::new(
        move || (create.version().get(), update.version().get(), disable.version().get()),
        |_| list_users(),
    );
    let enrolled = Resource::new(move || reset.version().get(), |_| two_factor_enrolled());
    let accounts = Resource::new(|| (), |_| list_accounts());
    let creating = RwSignal::new(false);
    let editing = RwSignal::new(None::<User>);
    let toasts = use_toasts();
    let can_write = keyward::authz::offers_changes(&me);
    Effect::new(move |_| match disable.value().get() {
        Some(Ok(u)) => toasts.success(format!(
            "{} {}.",
            u.email,
            if u.disabled {
                "disabled and signed out"
            } else {
                "enabled"
            }
        )),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });

    view! {
        <Title text="Users"/>
        <PageHeader title="Users" description="People who can sign in to this console, and what their role lets them do.">
            {can_write.then(|| view! {
                <button type="button" class=BTN_PRIMARY on:click=move |_| creating.set(true) data-testid="new-user">
                    <Icon name="plus"/>"New user"
                </button>
            })}
        </PageHeader>
        <ListCard
            load=move || async move {
                let (users, accounts) = (users.await, accounts.await.unwrap_or_default());
                let enrolled = enrolled.await.unwrap_or_default();
                users.map(|list| (list, accounts, enrolled))
            }
            is_empty={|(list, _, _): &(Vec<User>, Vec<Account>, Vec<UserId>)| list.is_empty()}
            empty=|| view! { <EmptyState title="No users" description="Create the first user."/> }.into_any()
            rows={move |(list, accounts, enrolled): (Vec<User>, Vec<Account>, Vec<UserId>)| view! { <UserTable list accounts enrolled editing resetting disable/> }.into_any()}
        />
        {can_write.then(|| view! { <super::users_two_factor::ResetTwoFactorDialog resetting action=reset/> })}
        {can_write.then(|| view! {
            <Transition>
                {move || Suspend::new(async move {
                    let accounts = accounts.await.unwrap_or_default();
                    view! {
                        <CreateUserDialog open=creating action=create accounts=accounts.clone()/>
                        <EditUserDialog editing action=update accounts/>
                    }
                })}
            </Transition>
        })}
    }.into_any()
}

#[component]
fn UserTable(
    list: Vec<User>,
    accounts: Vec<Account>,
    enrolled: Vec<UserId>,
    editing: RwSignal<Option<User>>,
    resetting: RwSignal<Option<User>>,
    disable: ServerAction<SetUserDisabled>,
) -> impl IntoView {
    let me = use_me();
    let can_write = keyward::authz::offers_changes(&me);
    let headers = if can_write {
        vec!["E-mail", "Role", "Accounts", "Status", "Last sign-in", ""]
    } else {
        vec!["E-mail", "Role", "Accounts", "Status", "Last sign-in"]
    };
    view! {
        <Table label="Users" headers from_xl=vec!["Accounts", "Last sign-in"]>
            {list.into_iter().map(|u| {
                let edit_user = u.clone();
                let reset_user = u.clone();
                let (id, disabled) = (u.id, u.disabled);
                let two_factor = enrolled.contains(&u.id);
                view! {
                    <tr data-user=u.email.clone()>
                        <td data-label="E-mail" class=format!("{TD} max-w-[13rem] truncate font-medium text-zinc-900 dark:text-white") title=u.email.clone()>{u.email.clone()}</td>
                        <td data-label="Role" class=TD><Badge text=u.role.label() tone=role_tone(u.role)/></td>
                        <td data-label="Accounts" class=format!("{TD_XL} max-w-[10rem] truncate")>{access_text(&u.access, u.role, &accounts)}</td>
                        <td data-label="Status" class=TD>{if u.disabled { view! { <Badge text="Disabled" tone=Tone::Bad/> } } else { view! { <Badge text="Active" tone=Tone::Good/> } }}
                            {two_factor.then(|| view! { <span class="ml-1.5" title="Signs in with a second factor"><Badge text="2FA" tone=Tone::Info/></span> })}</td>
                        <td data-label="Last sign-in" class=TD_XL><RelativeTime ts=u.last_sign_in_at/></td>
                        {can_write.then(|| view! {
                            <td data-label="Actions" class=format!("{TD} whitespace-normal text-right")>
                                <button type="button" class=BTN_GHOST on:click=move |_| editing.set(Some(edit_user.clone()))>"Edit"</button>
                                <button type="button" class=BTN_GHOST disabled=move || disable.pending().get()
                                    on:click=move |_| { disable.dispatch(SetUserDisabled { id, disabled: !disabled }); }>
                                    {if disabled { "Enable" } else { "Disable" }}
                                </button>
                                {two_factor.then(|| view! {
                                    <button type="button" class=BTN_GHOST data-testid="reset-two-factor"
                                        on:click=move |_| resetting.set(Some(reset_user.clone()))>"Reset 2FA"</button>
                                })}
                            </td>
                        })}
                    </tr>
                }
            }).collect_view()}
        </Table>
    }.into_any()
}

/// Role radio cards plus, for Account Viewers, the account picker.
#[component]
fn RoleAccessPicker(
    role: RwSignal<Role>,
    all_accounts: RwSignal<bool>,
    chosen: RwSignal<Vec<AccountId>>,
    accounts: Vec<Account>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="space-y-2">
            <legend class="mb-1.5 text-sm font-medium text-zinc-800 dark:text-zinc-200">"Role"</legend>
            {Role::ALL.into_iter().map(|r| view! {
                <label class=move || format!(
                    "flex cursor-pointer gap-3 rounded-lg border p-3 text-sm focus-within:outline-2 focus-within:outline-indigo-500 {}",
                    if role.get() == r { "border-indigo-500 bg-indigo-50/50 dark:bg-indigo-500/10" } else { "border-zinc-200 dark:border-zinc-700" },
                )>
                    <input type="radio" name="role" class=format!("{CHECK} mt-0.5") value=r.as_str()
                        prop:checked=move || role.get() == r on:change=move |_| role.set(r)/>
                    <span>
                        <span class="block font-medium">{r.label()}</span>
                        <span class="block text-zinc-500 dark:text-zinc-400">{r.summary()}</span>
                    </span>
                </label>
            }).collect_view()}
        </fieldset>
        <Show when=move || role.get() == Role::AccountViewer>
            <fieldset class="mt-4 space-y-2 rounded-lg border border-zinc-200 p-3 dark:border-zinc-700">
                <legend class="px-1 text-sm font-medium">"Accounts this user may read"</legend>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" class=CHECK prop:checked=move || all_accounts.get()
                        on:change=move |ev| all_accounts.set(event_target_checked(&ev))/>
                    "All accounts, including ones created later"
                </label>
                <div class="grid gap-1.5 sm:grid-cols-2">
                    {accounts.clone().into_iter().map(|a| {
                        let id = a.id;
                        view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" class=CHECK value=a.name.clone() disabled=move || all_accounts.get()
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id) } });
                                    }/>
                                {a.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p role="alert" class="min-h-4 text-xs font-medium text-red-600 dark:text-red-400">{move || error.get()}</p>
            </fieldset>
        </Show>
    }.into_any()
}

fn access_error(role: Role, all: bool, chosen: &[AccountId]) -> Option<String> {
    (role == Role::AccountViewer && !all && chosen.is_empty())
        .then(|| "Choose at least one account, or all accounts.".to_owned())
}

#[component]
fn CreateUserDialog(open: RwSignal<bool>, action: ServerAction<CreateUser>, accounts: Vec<Account>) -> impl IntoView {
    let toasts = use_toasts();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::GlobalViewer);
    let all_accounts = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<AccountId>::new());
    let submitted = RwSignal::new(false);
    let value = action.value();
    let email_error = {
        let server = field_error(value, "email");
        Signal::derive(move || {
            let local = submitted.get().then(|| Email::parse(&email.get()).err()).flatten();
            local.map(|e| format!("E-mail {}.", e.message)).or_else(|| server.get())
        })
    };
    let password_error = {
        let server = field_error(value, "password");
        Signal::derive(move || {
            let local = submitted
                .get()
                .then(|| Password::parse(&password.get()).err())
                .flatten();
            local
                .map(|e| format!("Password {}.", e.message))
                .or_else(|| server.get())
        })
    };
    let accounts_error = Signal::derive(move || {
        submitted
            .get()
            .then(|| access_error(role.get(), all_accounts.get(), &chosen.get()))
            .flatten()
    });
    let other_error = move || match value.get() {
        Some(Err(e)) if e.field().is_none() => Some(e.to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(u)) = value.get() {
            toasts.success(format!("{} can now sign in as {}.", u.email, u.role.label()));
            open.set(false);
            email.set(String::new());
            password.set(String::new());
            submitted.set(false);
            value.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let ok = Email::parse(&email.get_untracked()).is_ok()
            && Password::parse(&password.get_untracked()).is_ok()
            && access_error(
                role.get_untracked(),
                all_accounts.get_untracked(),
                &chosen.get_untracked(),
            )
            .is_none();
        if ok {
            action.dispatch(CreateUser {
                email: email.get_untracked(),
                password: password.get_untracked(),
                role: role.get_untracked(),
                all_accounts: all_accounts.get_untracked(),
                accounts: chosen.get_untracked(),
            });
        }
    };
    view! {
        <Dialog open title="New user" description="Share the temporary password with them over a channel you trust.">
            <form on:submit=submit class="space-y-4" novalidate>
                <Field label="E-mail" id="user-email" error=email_error>
                    <input id="user-email" type="email" class=INPUT autocomplete="off"
                        aria-invalid=move || email_error.get().is_some().to_string()
                        prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                </Field>
                <Field label="Temporary password" id="user-password" hint="At least 12 characters." error=password_error>
                    <input id="user-password" type="password" class=INPUT autocomplete="new-password"
                        aria-invalid=move || password_error.get().is_some().to_string()
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                </Field>
                <RoleAccessPicker role all_accounts chosen accounts error=accounts_error/>
                <Show when=move || other_error().is_some()>
                    <p role="alert" class="text-sm font-medium text-red-600 dark:text-red-400">{other_error}</p>
                </Show>
                <div class="flex justify-end gap-2 pt-2">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create user" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }.into_any()
}

#[component]
fn EditUserDialog(
    editing: RwSignal<Option<User>>,
    action: ServerAction<UpdateUser>,
    accounts: Vec<Account>,
) -> impl IntoView {
    let toasts = use_toasts();
    let open = RwSignal::new(false);
    let role = RwSignal::new(Role::GlobalViewer);
    let all_accounts = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<AccountId>::new());
    Effect::new(move |_| {
        if let Some(u) = editing.get() {
            role.set(u.role);
            let (all, ids) = match u.access {
                AccountAccess::All => (u.role == Role::AccountViewer, Vec::new()),
                AccountAccess::Only(ids) => (false, ids),
            };
            all_accounts.set(all);
            chosen.set(ids);
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            editing.set(None);
        }
    });
    let value = action.value();
    Effect::new(move |_| match value.get() {
        Some(Ok(u)) => {
            toasts.success(format!("{} is now {}.", u.email, u.role.label()));
            open.set(false);
            value.set(None);
        }
        Some(Err(e)) => {
            toasts.error(e.to_string());
            value.set(None);
        }
        None => {}
    });
    let accounts_error = Signal::derive(move || access_error(role.get(), all_accounts.get(), &chosen.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(u) = editing.get_untracked() else {
            return;
        };
        if accounts_error.get_untracked().is_none() {
            action.dispatch(UpdateUser {
                id: u.id,
                role: role.get_untracked(),
                all_accounts: all_accounts.get_untracked(),
                accounts: chosen.get_untracked(),
            });
        }
    };
    view! {
        <Dialog open title="Edit user">
            <form on:submit=submit class="space-y-4" novalidate>
                <p class="text-sm text-zinc-600 dark:text-zinc-300">{move || editing.get().map(|u| u.email).unwrap_or_default()}</p>
                <RoleAccessPicker role all_accounts chosen accounts error=accounts_error/>
                <div class="flex justify-end gap-2 pt-2">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>"Save"</button>
                </div>
            </form>
        </Dialog>
    }.into_any()
}
