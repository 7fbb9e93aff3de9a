//! Credential secrets as strings: their format, and the parts people see.

pub mod format;

pub use format::{Environment, KeyFormatError, ParsedKey, SecretRole, display_prefix, parse};
