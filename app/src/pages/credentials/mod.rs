//! The credential pages: the list, the create form with its reveal-once panel,
//! and the detail page with edit, rotate, the rotation policy and revoke.

mod bulk;
mod consumer_keys;
mod detail;
mod form;
mod grace;
mod list;
mod new;
mod reveal;
mod rotation_policy;
mod token;

pub use detail::CredentialDetailPage;
pub use list::CredentialsPage;
pub use new::NewCredentialPage;

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
