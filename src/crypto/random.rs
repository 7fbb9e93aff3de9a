//! Random values from the operating system's CSPRNG.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;

/// `N` random bytes straight from the OS.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// A 256-bit random token, URL-safe: session ids and setup links.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_url_safe_and_distinct() {
        let a = super::token();
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, super::token());
    }
}
