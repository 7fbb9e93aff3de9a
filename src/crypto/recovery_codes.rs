//! Recovery codes: ten random one-time codes that stand in for a lost
//! authenticator. Each is 50 random bits, so (as for session tokens) a keyed
//! HMAC is a sufficient hash: without the master-key file a copy of the
//! database cannot be searched, and checking one is a single indexed look-up
//! that marks it used in the same statement, which argon2's salted hashes
//! would turn into ten slow comparisons per attempt.

use data_encoding::BASE32_NOPAD;

use crate::domain::two_factor::{RECOVERY_CODE_LEN, RECOVERY_CODES};

/// Ten fresh codes as the user sees them: `abcde-fghij`, lower-case base32.
pub fn generate() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            // 40 bits per 5 bytes of base32; 7 bytes give 11 characters, cut to 10.
            let raw = BASE32_NOPAD.encode(&super::random::bytes::<7>()).to_ascii_lowercase();
            let code = &raw[..RECOVERY_CODE_LEN];
            format!("{}-{}", &code[..5], &code[5..])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::domain::two_factor::normalize_recovery_code;

    #[test]
    fn ten_distinct_codes_that_read_back_normalised() {
        let codes = super::generate();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(normalize_recovery_code(c).unwrap(), c.replace('-', ""));
        }
    }
}
