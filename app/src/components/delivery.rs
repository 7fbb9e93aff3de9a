//! How a webhook or e-mail delivery stands, as a badge.

use keyward::domain::webhook::{Delivery, DeliveryStatus};
use leptos::prelude::*;

use super::{Badge, Tone};

/// Delivered, queued, retrying or failed.
#[component]
pub fn DeliveryStatusBadge(status: DeliveryStatus, attempts: i64) -> impl IntoView {
    match status {
        DeliveryStatus::Delivered => view! { <Badge text="Delivered" tone=Tone::Good/> },
        DeliveryStatus::Pending if attempts == 0 => view! { <Badge text="Queued" tone=Tone::Info/> },
        DeliveryStatus::Pending => view! { <Badge text="Retrying" tone=Tone::Warn/> },
        DeliveryStatus::Failed => view! { <Badge text="Failed" tone=Tone::Bad/> },
    }
}

/// The receiver's answer to the last attempt, or why there was none.
pub fn last_answer(d: &Delivery) -> String {
    match (d.last_status, &d.last_error) {
        (Some(code), _) if d.destination.contains('@') && !d.destination.contains("://") => format!("SMTP {code}"),
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "—".to_owned(),
    }
}
