//! New secrets and ids, from the OS CSPRNG.

use crate::domain::key::format::{RANDOM_LEN, assemble, base62_from_bytes};
use crate::domain::key::{Environment, SecretRole};

/// `n` random base62 characters without modulo bias.
pub fn base62(n: usize) -> String {
    loop {
        // 25% spare bytes: the rejection rate is 8/256, so this almost always suffices.
        let mut bytes = vec![0u8; n + n / 4 + 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        if let Some(s) = base62_from_bytes(&bytes, n) {
            return s;
        }
    }
}

/// A new secret (or client id) for `role` in `environment`, under the base prefix.
pub fn secret(base_prefix: &str, role: SecretRole, environment: Environment) -> String {
    assemble(&role.prefix(base_prefix), environment, &base62(RANDOM_LEN))
}

/// A new public credential id: `key_` and 16 base62 characters.
pub fn public_id() -> String {
    format!("key_{}", base62(16))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::key::parse;

    #[test]
    fn generated_secrets_parse_and_differ() {
        let a = secret("kw", SecretRole::ApiKey, Environment::Prod);
        let b = secret("kw", SecretRole::ApiKey, Environment::Prod);
        assert_ne!(a, b);
        assert!(a.starts_with("kw_prod_"));
        assert_eq!(parse(&a, "kw").unwrap().role, SecretRole::ApiKey);
        let s = secret("kw", SecretRole::ClientSecret, Environment::Dev);
        assert!(s.starts_with("kws_dev_"));
    }

    #[test]
    fn characters_are_spread_over_the_whole_alphabet() {
        let sample: String = (0..200).map(|_| base62(30)).collect();
        let distinct = sample.chars().collect::<std::collections::HashSet<_>>().len();
        assert_eq!(distinct, 62);
    }
}
