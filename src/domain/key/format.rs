//! The key format: `<prefix>_<env>_<30 base62 random><6 base62 checksum>`.
//!
//! The checksum is CRC32 of everything before it, in base62. It lets `parse`
//! reject typos and truncated pastes without a database look-up, and lets a
//! secret scanner recognise a leaked Keyward key by shape alone (as GitHub's
//! tokens do). It is not a security control: the 30 random characters carry
//! ~178 bits from the OS CSPRNG.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::domain::ValidationError;

/// Random base62 characters in every secret.
pub const RANDOM_LEN: usize = 30;
/// Base62 characters of the CRC32 checksum (62^6 > 2^32).
pub const CHECKSUM_LEN: usize = 6;
/// Random characters the console shows after the environment: `kw_prod_8xK9…`.
pub const DISPLAY_LEN: usize = 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The environment label that goes into the prefix.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Prod,
    Stg,
    Dev,
}

impl Environment {
    /// Every environment, production first.
    pub const ALL: [Environment; 3] = [Environment::Prod, Environment::Stg, Environment::Dev];

    /// The label as it appears in keys and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Prod => "prod",
            Environment::Stg => "stg",
            Environment::Dev => "dev",
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            Environment::Prod => "Production",
            Environment::Stg => "Staging",
            Environment::Dev => "Development",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "prod" => Ok(Environment::Prod),
            "stg" => Ok(Environment::Stg),
            "dev" => Ok(Environment::Dev),
            _ => Err(ValidationError::new("environment", "must be prod, stg or dev")),
        }
    }
}

/// Which of a credential's strings a key is. The configured prefix (`kw`)
/// gains a letter for the OAuth/Basic pair: `kwc_` ids and `kws_` secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretRole {
    /// An API key: `kw_…`.
    ApiKey,
    /// The public half of a client pair: `kwc_…`.
    ClientId,
    /// The secret half of a client pair, or an application secret: `kws_…`.
    ClientSecret,
    /// An application's consumer key: `kwk_…`.
    ConsumerKey,
}

impl SecretRole {
    /// The full prefix for this role under the configured base prefix.
    pub fn prefix(self, base: &str) -> String {
        match self {
            SecretRole::ApiKey => base.to_owned(),
            SecretRole::ClientId => format!("{base}c"),
            SecretRole::ClientSecret => format!("{base}s"),
            SecretRole::ConsumerKey => format!("{base}k"),
        }
    }
}

/// Why a string is not a well-formed Keyward key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("unknown prefix")]
    Prefix,
    #[error("unknown environment")]
    Environment,
    #[error("wrong length or characters")]
    Shape,
    #[error("checksum mismatch")]
    Checksum,
}

/// A key that passed [`parse`]: its role and environment are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedKey<'a> {
    pub role: SecretRole,
    pub environment: Environment,
    /// The whole key, as given.
    pub raw: &'a str,
}

/// Checks a key's shape and checksum, without any database. `base` is the
/// configured prefix (`kw`).
pub fn parse<'a>(key: &'a str, base: &str) -> Result<ParsedKey<'a>, KeyFormatError> {
    let mut parts = key.splitn(3, '_');
    let (Some(prefix), Some(env), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyFormatError::Shape);
    };
    let role = [
        SecretRole::ApiKey,
        SecretRole::ClientId,
        SecretRole::ClientSecret,
        SecretRole::ConsumerKey,
    ]
    .into_iter()
    .find(|r| r.prefix(base) == prefix)
    .ok_or(KeyFormatError::Prefix)?;
    let environment: Environment = env.parse().map_err(|_| KeyFormatError::Environment)?;
    if body.len() != RANDOM_LEN + CHECKSUM_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(KeyFormatError::Shape);
    }
    let (head, sum) = key.split_at(key.len() - CHECKSUM_LEN);
    if checksum(head) != sum {
        return Err(KeyFormatError::Checksum);
    }
    Ok(ParsedKey {
        role,
        environment,
        raw: key,
    })
}

/// Assembles a key from its prefix, environment and random part, appending the checksum.
pub fn assemble(prefix: &str, environment: Environment, random: &str) -> String {
    let head = format!("{prefix}_{}_{random}", environment.as_str());
    let sum = checksum(&head);
    head + &sum
}

/// Maps random bytes to base62 characters without modulo bias: bytes ≥ 248
/// (= 4 × 62) are skipped, so the caller passes spare bytes.
pub fn base62_from_bytes(bytes: &[u8], len: usize) -> Option<String> {
    let out: String = bytes
        .iter()
        .filter(|b| **b < 248)
        .take(len)
        .map(|b| BASE62[(*b % 62) as usize] as char)
        .collect();
    (out.len() == len).then_some(out)
}

/// What the console shows instead of the key: `kw_prod_8xK9`.
pub fn display_prefix(key: &str) -> String {
    let mut parts = key.splitn(3, '_');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(p), Some(e), Some(body)) => {
            let end = body.char_indices().nth(DISPLAY_LEN).map_or(body.len(), |(i, _)| i);
            format!("{p}_{e}_{}", &body[..end])
        }
        _ => String::new(),
    }
}

fn checksum(head: &str) -> String {
    let mut n = u64::from(crc32fast::hash(head.as_bytes()));
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> String {
        assemble("kw", Environment::Prod, "8xK9mP2vL5qR7wN3tJ6yH1cZ4bA0eD")
    }

    #[test]
    fn a_well_formed_key_parses() {
        let key = sample();
        assert_eq!(key.len(), "kw_prod_".len() + RANDOM_LEN + CHECKSUM_LEN);
        let parsed = parse(&key, "kw").unwrap();
        assert_eq!(parsed.role, SecretRole::ApiKey);
        assert_eq!(parsed.environment, Environment::Prod);
        assert_eq!(display_prefix(&key), "kw_prod_8xK9");
    }

    #[test]
    fn client_ids_and_secrets_have_their_own_prefixes() {
        let id = assemble("kwc", Environment::Dev, "8xK9mP2vL5qR7wN3tJ6yH1cZ4bA0eD");
        let secret = assemble("kws", Environment::Stg, "8xK9mP2vL5qR7wN3tJ6yH1cZ4bA0eD");
        assert_eq!(parse(&id, "kw").unwrap().role, SecretRole::ClientId);
        assert_eq!(parse(&secret, "kw").unwrap().role, SecretRole::ClientSecret);
    }

    #[test]
    fn the_prefix_is_configurable() {
        let key = assemble("acme", Environment::Prod, "8xK9mP2vL5qR7wN3tJ6yH1cZ4bA0eD");
        assert!(parse(&key, "acme").is_ok());
        assert_eq!(parse(&key, "kw"), Err(KeyFormatError::Prefix));
    }

    #[test]
    fn malformed_keys_are_refused_without_a_lookup() {
        let key = sample();
        assert_eq!(parse("", "kw"), Err(KeyFormatError::Shape));
        assert_eq!(parse("kw_prod", "kw"), Err(KeyFormatError::Shape));
        assert_eq!(
            parse(&key.replace("prod", "qa"), "kw"),
            Err(KeyFormatError::Environment)
        );
        assert_eq!(parse(&key[..key.len() - 1], "kw"), Err(KeyFormatError::Shape));
        assert_eq!(parse(&format!("{key}x"), "kw"), Err(KeyFormatError::Shape));
        assert_eq!(parse(&key.replace('8', "-"), "kw"), Err(KeyFormatError::Shape));
    }

    #[test]
    fn display_prefix_cuts_at_a_character_not_a_byte() {
        // Found by the `key_format` fuzz target: byte 4 of the body fell inside U+0658.
        assert_eq!(display_prefix("____\u{e}\u{658}"), "____\u{e}\u{658}");
        assert_eq!(display_prefix("kw_prod_żółćx"), "kw_prod_żółć");
        assert_eq!(display_prefix("kw_prod_ab"), "kw_prod_ab");
    }

    #[test]
    fn base62_mapping_skips_biased_bytes() {
        assert_eq!(base62_from_bytes(&[0, 61, 248, 255, 62], 3).as_deref(), Some("0z0"));
        assert_eq!(base62_from_bytes(&[250, 251], 1), None);
    }

    proptest! {
        #[test]
        fn any_single_character_typo_is_caught(pos in 8usize..44, replacement in "[0-9A-Za-z]") {
            let key = sample();
            let mut typo = key.clone().into_bytes();
            let r = replacement.as_bytes()[0];
            prop_assume!(typo[pos] != r);
            typo[pos] = r;
            let typo = String::from_utf8(typo).unwrap();
            prop_assert_eq!(parse(&typo, "kw"), Err(KeyFormatError::Checksum));
        }

        #[test]
        fn every_assembled_key_round_trips(random in "[0-9A-Za-z]{30}", env in 0usize..3) {
            let key = assemble("kw", Environment::ALL[env], &random);
            let parsed = parse(&key, "kw").unwrap();
            prop_assert_eq!(parsed.environment, Environment::ALL[env]);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s, "kw");
        }
    }
}
