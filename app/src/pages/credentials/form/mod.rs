//! The credential form, shared by create and edit: its state and what it
//! sends, the checks run as the user types, and the fields themselves. Every
//! rule is the domain's own (`Cidr::parse`, `Right::new`, `check_kind_rules`,
//! `validate_description`, `RotationPolicy::check`, …), run here as the user types and again on the
//! server.

mod access;
mod checks;
mod fields;
mod rotation;
mod rotation_fields;
mod scope_picker;
mod state;

pub use fields::CredentialFields;
pub use state::{FormState, Mode};
