//! Credentials: what an admin issues, and the rules every one of them obeys.
//! Each part has its own module; everything is re-exported here, so
//! `keyward::domain::credential::…` names every item as before.

mod bulk;
mod input;
mod kind;
mod name;
mod role;
mod rotation;
mod rules;
mod status;
mod view;

pub use bulk::{
    BulkFailure, BulkOutcome, BulkSelection, CSV_COLUMNS, ExportFormat, MAX_BULK_IDS, MAX_BULK_MATCHES, csv_cell,
    to_csv,
};
pub use input::{CredentialInput, CredentialPatch, NewCredential, check_rotatable};
pub use kind::{CredentialKind, DEFAULT_TOKEN_TTL_SECS, KeyFormat, MAX_TOKEN_TTL_SECS, MIN_TOKEN_TTL_SECS};
pub use name::KeyName;
pub use role::CredentialRole;
pub use rotation::{
    MAX_POLICY_GRACE_SECS, MAX_ROTATION_SECS, MIN_ROTATION_SECS, RotationDelivery, RotationEvery, RotationPolicy,
};
pub use rules::{
    BASIC_MAX_LIFETIME_SECS, MAX_DESCRIPTION, check_auto_renew, check_kind_rules, check_token_ttl, parse_cidrs,
    parse_scopes, validate_description, validate_metadata,
};
pub use status::{CredentialStatus, EXPIRING_WITHIN_SECS};
pub use view::{Created, Credential, CredentialPage, CredentialQuery, CredentialSummary, PreviousSecret};
