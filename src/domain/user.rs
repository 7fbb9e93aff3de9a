//! Console users: e-mail, password rules and the user as the console lists them.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{AccountAccess, Role, ValidationError};

/// Database id of a console user.
pub type UserId = i64;

/// A console user's e-mail address, trimmed and lower-cased so that sign-in
/// does not depend on how it was typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` shapes up to 254 characters (RFC 5321's path limit).
    /// Deliverability is not checked: this is an identifier first.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let err = |m: &str| Err(ValidationError::new("email", m));
        if s.is_empty() {
            return err("is required");
        }
        if s.len() > 254 {
            return err("must be at most 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must look like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || s.chars().any(char::is_whitespace) {
            return err("must look like name@example.com");
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

/// A new password that meets the policy. It never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest password accepted: NIST SP 800-63B asks for at least 8; a
    /// console that issues production credentials asks for 12.
    pub const MIN_LEN: usize = 12;
    /// Longest accepted, so nobody can make the server hash megabytes.
    pub const MAX_LEN: usize = 256;

    /// Checks length only, as NIST SP 800-63B recommends (no composition rules).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let n = s.chars().count();
        if n < Self::MIN_LEN {
            return Err(ValidationError::new(
                "password",
                format!("must be at least {} characters", Self::MIN_LEN),
            ));
        }
        if n > Self::MAX_LEN {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A console user as the Users page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub role: Role,
    pub access: AccountAccess,
    pub disabled: bool,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse(" Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("correct horse").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
