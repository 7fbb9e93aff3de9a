//! Notifications: the outbox and its delivery worker, the expiry scheduler,
//! webhook endpoints, and e-mail.

mod delivery;
mod email;
mod expiry;
mod outbox;
mod webhooks;

pub use delivery::Claimed;
pub(crate) use outbox::{Subject, emit};
