//! `/credentials/new`: the create form, then the reveal-once panel.

use keyward::domain::{Catalog, CredentialKind, NewCredential};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::form::{CredentialFields, FormState, Mode};
use super::reveal::RevealPanel;
use crate::api::credentials::{CreateCredential, FormChoices, form_catalog};
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, Card, ErrorNotice, Icon, LINK, LoadingRows, PageHeader, use_toasts,
};
use crate::shell::use_me;

/// The create page. After a successful create the form gives way to the secret.
#[component]
pub fn NewCredentialPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| form_catalog());
    let can_write = keyward::authz::offers_changes(&use_me());
    view! {
        <Title text="New credential"/>
        <nav aria-label="Breadcrumb" class="mb-4 flex items-center gap-1 text-sm text-zinc-500 dark:text-zinc-400">
            <A href="/credentials" attr:class=LINK>"Credentials"</A>
            <Icon name="chevron-right"/>
            <span>"New"</span>
        </nav>
        <Suspense fallback=|| view! { <LoadingRows rows=8/> }>
            {move || Suspend::new(async move {
                match catalog.await {
                    Ok(c) if can_write => view! { <CreateForm catalog=c/> }.into_any(),
                    Ok(_) => view! { <ErrorNotice error=crate::error::ConsoleError::Forbidden/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn CreateForm(catalog: FormChoices) -> impl IntoView {
    let default_account = catalog
        .accounts
        .iter()
        .find(|a| *a == "default")
        .or(catalog.accounts.first())
        .cloned()
        .unwrap_or_default();
    let state = FormState::new(default_account);
    // `?kind=application` (the Applications page's button) preselects the kind.
    let kind = use_query_map().with_untracked(|q| q.get("kind").and_then(|k| k.parse::<CredentialKind>().ok()));
    if let Some(k) = kind {
        state.kind.set(k);
    }
    let is_application = kind == Some(CredentialKind::Application);
    let (title, back) = if is_application {
        ("New application", "/applications")
    } else {
        ("New credential", "/credentials")
    };
    let action = ServerAction::<CreateCredential>::new();
    let value = action.value();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let resources = Catalog(catalog.resources.clone());
    let server_error = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        state.submitted.set(true);
        let input = state.to_input();
        if state.errors(Mode::Create).is_empty() && NewCredential::validate(input.clone(), &resources).is_ok() {
            action.dispatch(CreateCredential { input });
        }
    };
    let created = move || value.get().and_then(Result::ok);
    // The form is long and the reveal is short: without this, the browser
    // keeps the form's scroll offset and the new page opens part-way down.
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            window().scroll_to_with_x_and_y(0.0, 0.0);
        }
    });

    view! {
        <Show
            when=move || created().is_some()
            fallback=move || {
                let catalog = catalog.clone();
                view! {
                    <PageHeader title=title description=if is_application {
                        "An application signs its requests, OVH style. Its secret and first consumer key are shown once, right after you create it."
                    } else {
                        "The secret is shown once, right after you create it."
                    }/>
                    <form on:submit=submit.clone() novalidate data-testid="credential-form">
                        <Card>
                            <CredentialFields state catalog mode=Mode::Create/>
                        </Card>
                        <Show when=move || server_error().is_some()>
                            <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm font-medium text-red-700 dark:bg-red-500/10 dark:text-red-300" data-testid="form-error">
                                {server_error}
                            </p>
                        </Show>
                        <div class="mt-6 flex justify-end gap-2">
                            <a href=back class=BTN_SECONDARY>"Cancel"</a>
                            <button type="submit" class=BTN_PRIMARY disabled=move || action.pending().get()>
                                {move || match (action.pending().get(), is_application) {
                                    (true, _) => "Creating…",
                                    (false, true) => "Create application",
                                    (false, false) => "Create credential",
                                }}
                            </button>
                        </div>
                    </form>
                }
            }
        >
            {
                let navigate = navigate.clone();
                move || created().map(|c| {
                    let id = c.credential.id.clone();
                    let name = c.credential.name.clone();
                    let navigate = navigate.clone();
                    view! {
                        <PageHeader title=format!("{name} is ready") description="Store the secret before you leave this page."/>
                        <RevealPanel created=c on_done=move |_| {
                            toasts.success(format!("{name} created."));
                            navigate(&format!("/credentials/{id}"), NavigateOptions { replace: true, ..Default::default() });
                        }/>
                    }
                })
            }
        </Show>
    }
    .into_any()
}
