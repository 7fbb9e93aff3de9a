//! One signed webhook request, through a client that connects only where
//! [`Destinations`] allows.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::destination::{DestinationError, Destinations, literal_ip};
use super::signature;

/// What the delivery log says when the destination is refused: the same
/// words whatever is (or is not) listening there.
pub const NOT_ALLOWED: &str = "destination address is not allowed";
/// A connection that could not be made or broke before an answer; refused,
/// filtered and unresolvable destinations all read the same.
const NO_CONNECTION: &str = "could not connect";
/// A receiver that accepted the request but did not answer in time.
const TIMED_OUT: &str = "no answer before the timeout";

/// What the receiver did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// Another status: retried.
    Refused(u16),
    /// No answer: a destination the rules refuse, a failed connection, a
    /// timeout.
    Unreachable(String),
}

/// Makes aws-lc-rs, which already serves Keyward's other cryptography, the
/// process's TLS provider: reqwest and lettre are built without one of their
/// own. Any reqwest client in the process needs this first; idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Resolves names itself and hands reqwest only the addresses that may be
/// reached: the connection goes to an address that was checked, so a name
/// that resolves differently the second time (DNS rebinding) gains nothing.
struct CheckedResolver(Destinations);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.0.clone();
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| match destinations.check(addr.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                })
                .collect();
            match refused {
                Some(e) if allowed.is_empty() => Err(e.into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// The webhook HTTP client: the address rules, no redirects (a 3xx is a
/// failure the owner should fix, and must not lead elsewhere), no proxy from
/// the environment (the rules must see the real destination), timeouts, and
/// our user agent. Cheap to clone.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    destinations: Destinations,
}

impl WebhookClient {
    /// A client allowing `timeout` per request; connecting gets half of it,
    /// so a destination that drops packets fails like one that refuses them.
    pub fn new(timeout: Duration, destinations: Destinations) -> Self {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout / 2)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver(destinations.clone())))
            .user_agent(concat!("Keyward/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the webhook client's settings are valid");
        Self { http, destinations }
    }

    /// The address rules this client applies, for checking a URL when an
    /// endpoint is created.
    pub fn destinations(&self) -> &Destinations {
        &self.destinations
    }
}

/// Whether `e` or one of its causes is our own refusal from the resolver.
fn refused_by_rules(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<DestinationError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// POSTs `body` to `url`, signed with `secret` at `t`. The event id goes in
/// `Keyward-Event-Id` and `Idempotency-Key`, so a receiver can drop repeats.
/// reqwest connects to an IP literal without asking the resolver, so that is
/// checked here first.
pub async fn send(
    client: &WebhookClient,
    url: &str,
    secret: &str,
    event_id: &str,
    event_type: &str,
    t: i64,
    body: &str,
) -> Outcome {
    let Ok(url) = reqwest::Url::parse(url) else {
        return Outcome::Unreachable(NO_CONNECTION.into());
    };
    if literal_ip(&url).is_some_and(|ip| client.destinations.check(ip).is_err()) {
        return Outcome::Unreachable(NOT_ALLOWED.into());
    }
    let res = client
        .http
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
        Err(e) if refused_by_rules(&e) => Outcome::Unreachable(NOT_ALLOWED.into()),
        Err(e) if e.is_timeout() && !e.is_connect() => Outcome::Unreachable(TIMED_OUT.into()),
        Err(_) => Outcome::Unreachable(NO_CONNECTION.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Cidr;

    async fn resolve(destinations: Destinations, name: &str) -> Result<Vec<SocketAddr>, String> {
        CheckedResolver(destinations)
            .resolve(name.parse().unwrap())
            .await
            .map(Iterator::collect)
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_blocked_addresses_is_refused_after_resolution() {
        let refused = resolve(Destinations::default(), "localhost").await.unwrap_err();
        assert!(refused.contains("loopback"), "{refused}");
        let allowed = Destinations::new(vec![Cidr::parse("127.0.0.0/8").unwrap()]);
        let addrs = resolve(allowed, "localhost").await.unwrap();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.is_ipv4()), "{addrs:?}");
    }
}
