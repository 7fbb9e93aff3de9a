//! `/applications`: the credentials of kind application, by application key.
//! Their detail, consumer keys and samples live on the credential page.

use keyward::domain::CredentialKind;
use keyward::domain::credential::{CredentialPage, CredentialQuery};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::credentials::list_credentials;
use crate::components::{
    BTN_PRIMARY, BTN_SECONDARY, EmptyState, Icon, LINK, ListCard, PageHeader, RelativeTime, StatusBadge, TD, TD_XL,
    Table,
};
use crate::pages::credentials::encode;
use crate::shell::use_me;

const NEW_APPLICATION: &str = "/credentials/new?kind=application";

/// The list of applications, with the button that creates one.
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let can_write = keyward::authz::offers_changes(&use_me());
    let query = use_query_map();
    let cursor = move || query.with(|q| q.get("cursor")).filter(|c| !c.is_empty());
    let filter = Memo::new(move |_| CredentialQuery {
        kind: Some(CredentialKind::Application),
        cursor: cursor(),
        limit: Some(50),
        ..Default::default()
    });
    let page = Resource::new(move || filter.get(), list_credentials);
    view! {
        <Title text="Applications"/>
        <PageHeader title="Applications" description="Applications sign their requests OVH style: an application key, its secret, and consumer keys that users approve for an account.">
            {can_write.then(|| view! {
                <A href=NEW_APPLICATION attr:class=BTN_PRIMARY attr:data-testid="new-application"><Icon name="plus"/>"New application"</A>
            })}
        </PageHeader>
        <ListCard
            loading_rows=4
            load=move || async move { page.await }
            is_empty=|p: &CredentialPage| p.items.is_empty()
            empty=move || view! {
                <EmptyState title="No applications yet" description="Create one for a script or a service that uses an OVH client library: python-ovh, go-ovh, node-ovh." icon="package">
                    {can_write.then(|| view! { <a href=NEW_APPLICATION class=BTN_PRIMARY>"Create your first application"</a> })}
                </EmptyState>
            }.into_any()
            rows=move |p: CredentialPage| {
                let next = p.next_cursor.clone().map(|c| format!("/applications?cursor={}", encode(&c)));
                let first = cursor().is_some().then_some("/applications");
                view! {
                    <Table label="Applications" headers=vec!["Application key", "Name", "Account", "Status", "Expires", "Last used"] from_xl=vec!["Account"]>
                        {p.items.into_iter().map(|c| {
                            let href = format!("/credentials/{}", c.id);
                            let (row, name) = (c.name.clone(), c.name.clone());
                            view! {
                                <tr class="hover:bg-zinc-50 dark:hover:bg-zinc-800/40" data-application=row>
                                    <td data-label="Application key" class=format!("{TD} max-w-[11rem] truncate font-mono text-xs") title=c.client_id.clone()>{c.client_id.clone().unwrap_or_default()}</td>
                                    <td data-label="Name" class=format!("{TD} max-w-[14rem] truncate")><A href=href attr:class=LINK>{name}</A></td>
                                    <td data-label="Account" class=TD_XL>{c.account.clone()}</td>
                                    <td data-label="Status" class=TD><StatusBadge status=c.status/></td>
                                    <td data-label="Expires" class=TD><RelativeTime ts=c.expires_at never="Never"/></td>
                                    <td data-label="Last used" class=TD><RelativeTime ts=c.last_used_at/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                    <div class="flex justify-between gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
                        <div>{first.map(|h| view! { <a href=h class=BTN_SECONDARY>"First page"</a> })}</div>
                        <div>{next.map(|h| view! { <a href=h class=BTN_SECONDARY>"Next page →"</a> })}</div>
                    </div>
                }.into_any()
            }
        />
    }
    .into_any()
}
