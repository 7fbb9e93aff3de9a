//! One signed webhook request.

use std::time::Duration;

use super::signature;

/// What the receiver did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// Another status: retried.
    Refused(u16),
    /// No answer: a refused connection, a timeout, a TLS failure.
    Unreachable(String),
}

/// Makes aws-lc-rs, which already serves Keyward's other cryptography, the
/// process's TLS provider: reqwest and lettre are built without one of their
/// own. Any reqwest client in the process needs this first; idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A client for webhook requests: no redirects (a 3xx is a failure the owner
/// should fix), a timeout, and our user agent.
pub fn client(timeout: Duration) -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Keyward/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client's settings are valid")
}

/// POSTs `body` to `url`, signed with `secret` at `t`. The event id goes in
/// `Keyward-Event-Id` and `Idempotency-Key`, so a receiver can drop repeats.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    event_id: &str,
    event_type: &str,
    t: i64,
    body: &str,
) -> Outcome {
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header(signature::HEADER, signature::sign(secret, t, body.as_bytes()))
        .header("Keyward-Event-Id", event_id)
        .header("Keyward-Event-Type", event_type)
        .header("Idempotency-Key", event_id)
        .body(body.to_owned())
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
        Ok(r) => Outcome::Refused(r.status().as_u16()),
        Err(e) if e.is_timeout() => Outcome::Unreachable("no answer before the timeout".into()),
        Err(e) if e.is_connect() => Outcome::Unreachable("the connection was refused or could not be made".into()),
        Err(_) => Outcome::Unreachable("the request failed before an answer came".into()),
    }
}
