//! Verification's memory: the index of credentials and accounts, the keyed
//! digest, and the buffers of uses waiting for their batched write. The
//! steps that use them are in `service/verification.rs`. Nothing here
//! writes to SQLite.

pub mod counts;
pub mod index;
pub mod replay;
pub mod usage;

use std::sync::{Arc, RwLock};

use crate::crypto::{Digest, DigestKey};
use crate::domain::Scope;
use crate::policy::VerifyCode;
pub use crate::ratelimit::Decision;
use crate::store;
use counts::CountBuffer;
use index::{AccountGate, ConsumerGate, Found, Index, Snapshot};
use replay::SeenSignatures;
use usage::UsageBuffer;

/// How a caller presented its credential.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    /// An API key: Bearer, `X-API-Key`, `api_key` query parameter, or a verify body.
    Key { key: &'a str, from_query: bool },
    /// An application's signed request (OVH style).
    Signed(&'a SignedRequest<'a>),
    /// A Basic credential's id and secret, sent with HTTP Basic.
    Basic { id: &'a str, secret: &'a str },
    /// A client id and secret checked as a pair (Basic or OAuth client), as
    /// `/v1/keys/verify` does when given a `client_id`.
    ClientPair { id: &'a str, secret: &'a str },
}

/// A signed request: the four `X-Ovh-*` headers and what they sign.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `X-Ovh-Application`: the application key.
    pub application: &'a str,
    /// `X-Ovh-Consumer`: the consumer key.
    pub consumer: &'a str,
    /// `X-Ovh-Timestamp`: Unix seconds, as sent.
    pub timestamp: &'a str,
    /// `X-Ovh-Signature`: `$1$` and 40 hex digits.
    pub signature: &'a str,
    pub method: &'a str,
    /// The full URL the client called and signed.
    pub url: &'a str,
    pub body: &'a [u8],
}

/// The answer, with the credential when one was found.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub code: VerifyCode,
    pub credential: Option<Arc<Snapshot>>,
    pub account: Option<Arc<AccountGate>>,
    /// For an access token: what the token itself grants.
    pub token: Option<TokenGrant>,
    /// The rate limit that applied to a valid credential; absent when unlimited.
    pub rate: Option<RateVerdict>,
    /// For a signed request: the consumer key it used.
    pub consumer: Option<Arc<ConsumerGate>>,
    /// The secret presented (or that signed) is the previous one, in its
    /// grace period after a rotation.
    pub previous_secret: bool,
}

/// The limiter's answer and the name of the policy it applied (`starter`,
/// `professional`, `enterprise`, or `key` for a credential's own override).
#[derive(Debug, Clone, Copy)]
pub struct RateVerdict {
    pub decision: Decision,
    pub policy: &'static str,
}

/// What an access token grants, as opposed to its client.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub jti: String,
    pub scopes: Vec<Scope>,
    pub exp: i64,
}

impl Verdict {
    pub(crate) fn bare(code: VerifyCode) -> Self {
        Verdict {
            code,
            credential: None,
            account: None,
            token: None,
            rate: None,
            consumer: None,
            previous_secret: false,
        }
    }

    /// What the caller may do in `account` (its own when none is named): the
    /// credential's scopes and roles there, and for an access token only what
    /// the token also grants.
    pub fn granted_scopes(&self, account: Option<&str>) -> Vec<Scope> {
        let (Some(c), Some(owner)) = (&self.credential, &self.account) else {
            return Vec::new();
        };
        let place = account.unwrap_or(&owner.name);
        let held = crate::authz::held_scopes(&c.grants.scopes, &c.grants.roles, &owner.name, place);
        match &self.token {
            Some(t) => crate::domain::scope::intersect(&t.scopes, &held),
            None => held,
        }
    }
}

/// The in-memory half of verification, shared by every request.
#[derive(Debug)]
pub struct Verifier {
    index: RwLock<Index>,
    pepper: DigestKey,
    usage: UsageBuffer,
    consumer_usage: UsageBuffer,
    previous_usage: UsageBuffer,
    counts: CountBuffer,
    seen_signatures: SeenSignatures,
}

impl Verifier {
    /// A verifier over a filled index.
    pub fn new(index: Index, pepper: DigestKey) -> Self {
        Self {
            index: RwLock::new(index),
            pepper,
            usage: UsageBuffer::default(),
            consumer_usage: UsageBuffer::default(),
            previous_usage: UsageBuffer::default(),
            counts: CountBuffer::default(),
            seen_signatures: SeenSignatures::default(),
        }
    }

    /// `HMAC-SHA256(pepper, secret)`: what is stored and looked up.
    pub fn digest(&self, secret: &str) -> Digest {
        self.pepper.digest(secret.as_bytes())
    }

    pub(crate) fn lookup(&self, digest: &Digest) -> Option<Found> {
        self.index.read().expect("index lock is never poisoned").lookup(digest)
    }

    /// Replaces one credential (after a create, update, rotate or revoke).
    pub fn put_credential(
        &self,
        snapshot: Snapshot,
        secrets: &[store::credentials::SecretRow],
        consumers: &[store::consumer_keys::ConsumerKeyRow],
    ) {
        self.index
            .write()
            .expect("index lock is never poisoned")
            .put_credential(snapshot, secrets, consumers);
    }

    /// A consumer key by the digest of the key, and the account it acts on.
    pub fn consumer(&self, digest: &Digest) -> Option<(Arc<ConsumerGate>, Arc<AccountGate>)> {
        self.index
            .read()
            .expect("index lock is never poisoned")
            .consumer(digest)
    }

    /// Puts everything read from the database (a process that fell behind
    /// the change log), never over a newer version.
    pub fn put_all(
        &self,
        accounts: &[crate::domain::Account],
        rows: &[store::credentials::CredentialRow],
        secrets: Vec<store::credentials::SecretRow>,
        consumers: Vec<store::consumer_keys::ConsumerKeyRow>,
    ) -> store::StoreResult<()> {
        self.index
            .write()
            .expect("index lock is never poisoned")
            .put_all(accounts, rows, secrets, consumers)
    }

    /// Replaces one account's gate (after its switches or plan change).
    pub fn put_account(&self, gate: AccountGate) {
        self.index
            .write()
            .expect("index lock is never poisoned")
            .put_account(gate);
    }

    /// A client by its public id, from memory.
    pub fn client(&self, client_id: &str) -> Option<(Arc<Snapshot>, Arc<AccountGate>)> {
        self.index
            .read()
            .expect("index lock is never poisoned")
            .by_client_id(client_id)
    }

    /// How many credentials are in memory.
    pub fn len(&self) -> usize {
        self.index.read().expect("index lock is never poisoned").len()
    }

    /// Whether no credential is in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pending last-used updates.
    pub fn usage(&self) -> &UsageBuffer {
        &self.usage
    }

    /// The pending last-used updates of consumer keys, by consumer key id.
    pub fn consumer_usage(&self) -> &UsageBuffer {
        &self.consumer_usage
    }

    /// The pending last-used updates of secrets in their grace period, by credential id.
    pub fn previous_usage(&self) -> &UsageBuffer {
        &self.previous_usage
    }

    /// Signatures seen within their window, for refusing replays.
    pub fn seen_signatures(&self) -> &SeenSignatures {
        &self.seen_signatures
    }

    /// The pending usage counts.
    pub fn counts(&self) -> &CountBuffer {
        &self.counts
    }
}
