//! Sending notifications: signed webhook requests, e-mails over SMTP, and
//! the retry schedule. What to send and when is decided by the services; the
//! outbox lives in `store::events`.

pub mod backoff;
pub mod email;
pub mod signature;
pub mod webhook;
