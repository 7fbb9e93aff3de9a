//! Notifications: the outbox and its delivery worker, the expiry scheduler,
//! webhook endpoints, and e-mail.

use super::Keyward;
mod delivery;
mod email;
mod expiry;
mod outbox;
mod webhooks;

pub use delivery::Claimed;
pub(crate) use outbox::{Subject, emit};
/// Notifications: the outbox and its worker, the expiry scheduler, webhooks and e-mail.
#[derive(Clone, Copy)]
pub struct Notifications<'a> {
    pub(in crate::service) kw: &'a Keyward,
}
