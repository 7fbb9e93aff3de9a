//! The verification index: every credential and secret digest in memory, so a
//! verify is a hash look-up, not a database read. The services update it right
//! after each committed change; a miss falls back to one indexed SQL look-up
//! (for credentials another process created, such as `keyward keys create`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::crypto::Digest;
use crate::domain::application::ConsumerKeyState;
use crate::domain::{Account, AccountId, Cidr, CredentialKind, Plan, RateLimitSetting, Right};
use crate::store::consumer_keys::ConsumerKeyRow;
use crate::store::credentials::{CredentialRow, Grants, SecretRow};
use crate::store::{StoreError, StoreResult};

/// What verification needs to know about a credential.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: i64,
    pub public_id: String,
    pub account_id: AccountId,
    pub name: String,
    pub kind: CredentialKind,
    pub display_prefix: String,
    pub client_id: Option<String>,
    pub grants: Grants,
    pub expires_at: Option<i64>,
    pub auto_renew: bool,
    pub revoked_at: Option<i64>,
    pub token_ttl_secs: Option<i64>,
    pub rate_limit: Option<RateLimitSetting>,
    /// An application's secret, still sealed: opened only to check a signature.
    pub app_secret: Option<Arc<[u8]>>,
    /// After a rotation, its previous secret (sealed) and when it stops signing.
    pub previous_app_secret: Option<(Arc<[u8]>, i64)>,
    /// The row's version: the index never replaces a newer one with an older.
    pub version: i64,
}

impl TryFrom<&CredentialRow> for Snapshot {
    type Error = StoreError;
    fn try_from(r: &CredentialRow) -> StoreResult<Self> {
        Ok(Snapshot {
            id: r.id,
            public_id: r.public_id.clone(),
            account_id: r.account_id,
            name: r.name.clone(),
            kind: r.kind()?,
            display_prefix: r.display_prefix.clone(),
            client_id: r.client_id.clone(),
            grants: r.grants()?,
            expires_at: r.expires_at,
            auto_renew: r.auto_renew,
            revoked_at: r.revoked_at,
            token_ttl_secs: r.token_ttl_secs,
            rate_limit: r.rate_limit()?,
            app_secret: r.app_secret.as_deref().map(Arc::from),
            previous_app_secret: r
                .previous_app_secret
                .as_deref()
                .zip(r.previous_app_secret_retires_at)
                .map(|(sealed, until)| (Arc::from(sealed), until)),
            version: r.version,
        })
    }
}

/// What verification needs to know about an application's consumer key.
#[derive(Debug, Clone)]
pub struct ConsumerGate {
    pub id: i64,
    pub public_id: String,
    pub credential_id: i64,
    pub account_id: AccountId,
    pub rights: Vec<Right>,
    pub allowed_cidrs: Vec<Cidr>,
    /// Approved (a pending key verifies as unknown).
    pub active: bool,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TryFrom<&ConsumerKeyRow> for ConsumerGate {
    type Error = StoreError;
    fn try_from(r: &ConsumerKeyRow) -> StoreResult<Self> {
        Ok(ConsumerGate {
            id: r.id,
            public_id: r.public_id.clone(),
            credential_id: r.credential_id,
            account_id: r.account_id,
            rights: r.rights()?,
            allowed_cidrs: r.allowed_cidrs()?,
            active: r.state()? == ConsumerKeyState::Active,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}

/// What verification needs to know about an account.
#[derive(Debug, Clone)]
pub struct AccountGate {
    pub id: AccountId,
    pub name: String,
    pub api_enabled: bool,
    pub allow_query_key: bool,
    pub plan: Plan,
    pub rate_limit: Option<RateLimitSetting>,
    /// The account's version: the index never replaces a newer gate with an older.
    pub version: i64,
}

impl From<&Account> for AccountGate {
    fn from(a: &Account) -> Self {
        AccountGate {
            id: a.id,
            name: a.name.clone(),
            api_enabled: a.api_enabled,
            allow_query_key: a.allow_query_key,
            plan: a.plan,
            rate_limit: a.rate_limit,
            version: a.version,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct SecretEntry {
    digest: [u8; 32],
    credential_id: i64,
    retires_at: Option<i64>,
}

/// The map is keyed by the first half of a digest; the whole digest is then
/// compared in constant time. The probe's timing depends only on bits the
/// caller cannot choose (the pepper is secret), and the final check on none.
fn probe_key(d: &[u8; 32]) -> u128 {
    u128::from_le_bytes(d[..16].try_into().expect("16 bytes"))
}

/// One secret's look-up result.
#[derive(Debug, Clone)]
pub struct Found {
    pub credential: Arc<Snapshot>,
    pub account: Arc<AccountGate>,
    /// When this secret stops working (a rotated-out secret in its grace period).
    pub retires_at: Option<i64>,
}

/// Credentials, secrets and accounts, keyed for verification.
#[derive(Debug, Default)]
pub struct Index {
    secrets: HashMap<u128, SecretEntry>,
    digests_of: HashMap<i64, Vec<[u8; 32]>>,
    credentials: HashMap<i64, Arc<Snapshot>>,
    accounts: HashMap<AccountId, Arc<AccountGate>>,
    client_ids: HashMap<String, i64>,
    consumers: HashMap<u128, ([u8; 32], Arc<ConsumerGate>)>,
    consumers_of: HashMap<i64, Vec<[u8; 32]>>,
}

impl Index {
    /// The credential behind a secret digest, if it is known here.
    pub fn lookup(&self, digest: &Digest) -> Option<Found> {
        let entry = self.secrets.get(&probe_key(&digest.0))?;
        if !digest.ct_eq(&entry.digest) {
            return None;
        }
        let credential = self.credentials.get(&entry.credential_id)?.clone();
        let account = self.accounts.get(&credential.account_id)?.clone();
        Some(Found {
            credential,
            account,
            retires_at: entry.retires_at,
        })
    }

    /// A client (Basic or OAuth) by its public id, for access-token checks.
    pub fn by_client_id(&self, client_id: &str) -> Option<(Arc<Snapshot>, Arc<AccountGate>)> {
        let credential = self.credentials.get(self.client_ids.get(client_id)?)?.clone();
        let account = self.accounts.get(&credential.account_id)?.clone();
        Some((credential, account))
    }

    /// A consumer key by the digest of the key, and its account.
    pub fn consumer(&self, digest: &Digest) -> Option<(Arc<ConsumerGate>, Arc<AccountGate>)> {
        let (full, gate) = self.consumers.get(&probe_key(&digest.0))?;
        if !digest.ct_eq(full) {
            return None;
        }
        let account = self.accounts.get(&gate.account_id)?.clone();
        Some((gate.clone(), account))
    }

    /// Replaces a credential and all its secrets and consumer keys, unless a
    /// newer version is already here: two refreshes racing (a PATCH and a
    /// DELETE) must never bring back what a later change replaced.
    pub fn put_credential(&mut self, snapshot: Snapshot, secrets: &[SecretRow], consumers: &[ConsumerKeyRow]) {
        let id = snapshot.id;
        if self.credentials.get(&id).is_some_and(|c| c.version > snapshot.version) {
            return;
        }
        for old in self.consumers_of.remove(&id).unwrap_or_default() {
            self.consumers.remove(&probe_key(&old));
        }
        let mut consumer_digests = Vec::with_capacity(consumers.len());
        for row in consumers {
            let (Ok(d), Ok(gate)) = (<[u8; 32]>::try_from(row.digest.as_slice()), ConsumerGate::try_from(row)) else {
                continue;
            };
            self.consumers.insert(probe_key(&d), (d, Arc::new(gate)));
            consumer_digests.push(d);
        }
        self.consumers_of.insert(id, consumer_digests);
        for old in self.digests_of.remove(&id).unwrap_or_default() {
            self.secrets.remove(&probe_key(&old));
        }
        let mut digests = Vec::with_capacity(secrets.len());
        for s in secrets {
            if let Ok(d) = <[u8; 32]>::try_from(s.digest.as_slice()) {
                self.secrets.insert(
                    probe_key(&d),
                    SecretEntry {
                        digest: d,
                        credential_id: id,
                        retires_at: s.retires_at,
                    },
                );
                digests.push(d);
            }
        }
        self.digests_of.insert(id, digests);
        if let Some(client_id) = &snapshot.client_id {
            self.client_ids.insert(client_id.clone(), id);
        }
        self.credentials.insert(id, Arc::new(snapshot));
    }

    /// Replaces an account's gate, unless a newer version is already here.
    pub fn put_account(&mut self, gate: AccountGate) {
        if self.accounts.get(&gate.id).is_some_and(|a| a.version > gate.version) {
            return;
        }
        self.accounts.insert(gate.id, Arc::new(gate));
    }

    /// How many credentials are indexed.
    pub fn len(&self) -> usize {
        self.credentials.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }

    /// Builds the whole index from the database rows.
    pub fn build(
        accounts: &[Account],
        rows: &[CredentialRow],
        secrets: Vec<SecretRow>,
        consumers: Vec<ConsumerKeyRow>,
    ) -> StoreResult<Self> {
        let mut index = Index::default();
        index.put_all(accounts, rows, secrets, consumers)?;
        Ok(index)
    }

    /// Puts every account and credential read from the database, each only
    /// over an older version: a reload racing with a change keeps the change.
    pub fn put_all(
        &mut self,
        accounts: &[Account],
        rows: &[CredentialRow],
        secrets: Vec<SecretRow>,
        consumers: Vec<ConsumerKeyRow>,
    ) -> StoreResult<()> {
        for a in accounts {
            self.put_account(AccountGate::from(a));
        }
        let mut by_credential: HashMap<i64, Vec<SecretRow>> = HashMap::new();
        for s in secrets {
            by_credential.entry(s.credential_id).or_default().push(s);
        }
        let mut consumers_by: HashMap<i64, Vec<ConsumerKeyRow>> = HashMap::new();
        for k in consumers {
            consumers_by.entry(k.credential_id).or_default().push(k);
        }
        for row in rows {
            let secrets = by_credential.remove(&row.id).unwrap_or_default();
            let consumers = consumers_by.remove(&row.id).unwrap_or_default();
            self.put_credential(Snapshot::try_from(row)?, &secrets, &consumers);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Plan;

    fn gate(version: i64, api_enabled: bool) -> AccountGate {
        AccountGate {
            id: 1,
            name: "default".into(),
            api_enabled,
            allow_query_key: true,
            plan: Plan::Starter,
            rate_limit: None,
            version,
        }
    }

    fn snapshot(version: i64, revoked_at: Option<i64>) -> Snapshot {
        Snapshot {
            id: 7,
            public_id: "key_x".into(),
            account_id: 1,
            name: "x".into(),
            kind: CredentialKind::ApiKey,
            display_prefix: "kw_prod_x".into(),
            client_id: None,
            grants: Grants {
                scopes: vec![],
                roles: vec![],
                allowed_cidrs: vec![],
                rights: vec![],
            },
            expires_at: None,
            auto_renew: false,
            revoked_at,
            token_ttl_secs: None,
            rate_limit: None,
            app_secret: None,
            previous_app_secret: None,
            version,
        }
    }

    #[test]
    fn a_slower_refresh_never_brings_back_an_older_version() {
        let mut index = Index::default();
        index.put_account(gate(2, false));
        index.put_account(gate(1, true));
        assert!(!index.accounts[&1].api_enabled, "the switch stays off");
        index.put_credential(snapshot(3, Some(100)), &[], &[]);
        index.put_credential(snapshot(2, None), &[], &[]);
        assert_eq!(index.credentials[&7].revoked_at, Some(100), "the revocation stays");
        index.put_credential(snapshot(3, Some(100)), &[], &[]);
        assert_eq!(index.credentials[&7].version, 3, "the same version refreshes");
    }
}
