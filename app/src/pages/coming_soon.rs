//! An honest placeholder for sections that later releases fill.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Card, EmptyState, PageHeader};

/// Says what the section will hold, instead of a dead link.
#[component]
pub fn ComingSoon(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <PageHeader title=title/>
        <Card>
            <EmptyState title="Coming soon" description=what icon="book"/>
        </Card>
    }
    .into_any()
}
