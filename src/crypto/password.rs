//! Console passwords: argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1).
//!
//! Hashing takes tens of milliseconds of CPU on purpose, so these functions run
//! on tokio's blocking pool: a burst of sign-ins must not stall the API.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use std::sync::LazyLock;

use crate::domain::Password;

/// A hash checked when the e-mail is unknown, so a miss costs as long as a hit
/// and response time does not reveal which addresses have accounts.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("keyward-dummy-password"));

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

fn verify_blocking(hash: Option<&str>, candidate: &str) -> bool {
    let stored = hash.unwrap_or(DUMMY_HASH.as_str());
    let ok = PasswordHash::new(stored)
        .map(|parsed| argon2().verify_password(candidate.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    ok && hash.is_some()
}

/// Hashes a new password in PHC string form, off the async executor.
pub async fn hash(password: &Password) -> String {
    let p = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&p))
        .await
        .expect("the hashing task does not panic")
}

/// Checks `candidate` against `hash`; with no hash (unknown user) it still does
/// the same work and answers false.
pub async fn verify(hash: Option<String>, candidate: String) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(hash.as_deref(), &candidate))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_parameters_and_verifies() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash(&p).await;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(Some(h.clone()), "correct horse battery".into()).await);
        assert!(!verify(Some(h), "wrong horse battery".into()).await);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies_even_with_the_dummy_password() {
        assert!(!verify(None, "keyward-dummy-password".into()).await);
    }
}
