//! Sending notifications: signed webhook requests (only to addresses the
//! rules allow), e-mails over SMTP, and the retry schedule. What to send and when is decided by the services; the
//! outbox lives in `store::events`.

pub mod backoff;
pub mod destination;
pub mod email;
pub mod signature;
pub mod webhook;
