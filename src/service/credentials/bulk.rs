//! Work on many credentials at once: count what a filter matches, revoke a
//! selection, export a filtered list. A bulk revocation revokes each
//! credential through [`Credentials::revoke`], so each one is authorized by
//! the grant rule and audited on its own; what it may not revoke is reported,
//! never skipped in silence.

use std::collections::HashSet;

use super::Credentials;
use crate::domain::credential::{
    BulkFailure, BulkOutcome, BulkSelection, Credential, CredentialQuery, ExportFormat, MAX_BULK_IDS, MAX_BULK_MATCHES,
    to_csv,
};
use crate::domain::{CredentialStatus, ValidationError};
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::{self};

/// The page size used to walk a filter's matches.
const WALK_PAGE: u32 = 200;

impl Credentials<'_> {
    /// How many credentials the caller may see match the filter (its cursor
    /// and limit aside): the number a bulk revocation by filter must confirm.
    pub async fn count(&self, caller: &Caller, q: &CredentialQuery) -> ServiceResult<u64> {
        let filter = self.visible_filter(caller, q).await?;
        let n = store::credentials::count(self.kw.store().pool(), &filter, self.kw.now()).await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Revokes every selected credential the caller may revoke, one at a
    /// time, and says what became of each. A filter revokes only if it still
    /// matches exactly `confirm_count` credentials. The calling credential
    /// is never revoked in bulk (a filter must not lock its caller out).
    pub async fn revoke_many(&self, caller: &Caller, selection: BulkSelection) -> ServiceResult<BulkOutcome> {
        let targets = match selection {
            BulkSelection::Ids(ids) => self.named(caller, ids).await?,
            BulkSelection::Filter { query, confirm_count } => {
                let matches = self.matching(caller, &query).await?;
                if matches.len() as u64 != confirm_count {
                    return Err(ServiceError::rule(
                        "COUNT_CHANGED",
                        format!(
                            "The filter now matches {} credentials, not {confirm_count}; nothing was revoked. \
                             Review the list and confirm again.",
                            matches.len()
                        ),
                    ));
                }
                matches.into_iter().map(|c| Target::Seen(Box::new(c))).collect()
            }
        };
        let own = match caller {
            Caller::Key(key) => Some(key.public_id.as_str()),
            Caller::User { .. } | Caller::System(_) => None,
        };
        let mut outcome = BulkOutcome::default();
        for target in targets {
            let id = target.id().to_owned();
            let failure = |code: &str, message: String| BulkFailure {
                id: id.clone(),
                code: code.to_owned(),
                message,
            };
            let seen = match target {
                Target::Seen(c) => c,
                Target::Missing(_, e) => {
                    outcome.failed.push(failure(e.code(), message_of(&e)));
                    continue;
                }
            };
            if own == Some(seen.id.as_str()) {
                let why = "The credential making the call is not revoked in bulk; revoke it on its own.";
                outcome.failed.push(failure("SELF", why.to_owned()));
                continue;
            }
            if seen.status == CredentialStatus::Revoked {
                outcome
                    .failed
                    .push(failure("ALREADY_REVOKED", "Already revoked.".to_owned()));
                continue;
            }
            match self.revoke(caller, &seen.id, None).await {
                Ok(_) => outcome.revoked.push(id),
                Err(e) => outcome.failed.push(failure(e.code(), message_of(&e))),
            }
        }
        Ok(outcome)
    }

    /// Every credential the caller may see that the filter matches, as a
    /// CSV or JSON file. Never a secret: a listed credential holds none.
    pub async fn export(&self, caller: &Caller, q: &CredentialQuery, format: ExportFormat) -> ServiceResult<String> {
        let items = self.matching(caller, q).await?;
        Ok(match format {
            ExportFormat::Csv => to_csv(&items),
            ExportFormat::Json => serde_json::to_string_pretty(&items).map_err(|e| {
                ServiceError::Internal(store::StoreError::Corrupt(format!("export does not serialise: {e}")))
            })?,
        })
    }

    /// Every credential the caller may see that the filter matches, newest
    /// first, walking the list page by page; refused past [`MAX_BULK_MATCHES`].
    async fn matching(&self, caller: &Caller, q: &CredentialQuery) -> ServiceResult<Vec<Credential>> {
        let mut page_query = CredentialQuery {
            cursor: None,
            limit: Some(WALK_PAGE),
            ..q.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.list(caller, &page_query).await?;
            all.extend(page.items);
            if all.len() > MAX_BULK_MATCHES {
                return Err(ServiceError::rule(
                    "TOO_MANY",
                    format!("The filter matches more than {MAX_BULK_MATCHES} credentials; narrow it."),
                ));
            }
            match page.next_cursor {
                Some(next) => page_query.cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// The named credentials, each as the caller sees it or why it cannot.
    async fn named(&self, caller: &Caller, ids: Vec<String>) -> ServiceResult<Vec<Target>> {
        if ids.is_empty() {
            return Err(ValidationError::new("ids", "name at least one credential").into());
        }
        if ids.len() > MAX_BULK_IDS {
            return Err(ValidationError::new("ids", format!("name at most {MAX_BULK_IDS} credentials")).into());
        }
        let mut seen = HashSet::new();
        let mut targets = Vec::new();
        for id in ids.into_iter().filter(|id| seen.insert(id.clone())) {
            targets.push(match self.get(caller, &id).await {
                Ok(c) => Target::Seen(Box::new(c)),
                Err(ServiceError::Internal(e)) => return Err(ServiceError::Internal(e)),
                Err(e) => Target::Missing(id, e),
            });
        }
        Ok(targets)
    }
}

/// A credential a bulk revocation considers.
enum Target {
    /// As the caller read it.
    Seen(Box<Credential>),
    /// Named, but the caller cannot read it (or it does not exist).
    Missing(String, ServiceError),
}

impl Target {
    fn id(&self) -> &str {
        match self {
            Target::Seen(c) => &c.id,
            Target::Missing(id, _) => id,
        }
    }
}

/// What a person reads about one failure; an internal fault says no more
/// than that.
fn message_of(e: &ServiceError) -> String {
    match e {
        ServiceError::NotFound(_) => "No such credential within reach.".to_owned(),
        ServiceError::Internal(_) => "An internal error; nothing changed for this credential.".to_owned(),
        other => other.to_string(),
    }
}
