//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) with the
//! parameters every authenticator app assumes: HMAC-SHA1, 6 digits, 30-second
//! steps. Written out here (HMAC and SHA-1 come from the RustCrypto crates
//! Keyward already builds) because the whole algorithm is a dozen lines and a
//! TOTP crate would bring its own QR and URL stacks.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::fmt;
use subtle::ConstantTimeEq;

/// Seconds per time step.
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now, for clocks a little off.
pub const SKEW_STEPS: i64 = 1;

/// A TOTP key: 20 random bytes (160 bits, RFC 4226's recommended length).
/// Never printed; shown to its user once, as base32, while enrolling.
#[derive(Clone)]
pub struct TotpKey([u8; 20]);

impl fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpKey(***)")
    }
}

impl TotpKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(super::random::bytes())
    }

    /// A key from stored bytes; `None` if they are not 20 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }

    /// A key typed back in base32 (as an authenticator app or a test reads
    /// it from the enrolment page); `None` unless it is a 20-byte key.
    pub fn from_base32(text: &str) -> Option<Self> {
        Self::from_bytes(&BASE32_NOPAD.decode(text.trim().to_ascii_uppercase().as_bytes()).ok()?)
    }

    /// The 6-digit code an authenticator app shows at Unix time `now`.
    pub fn code_at(&self, now: i64) -> String {
        format!("{:0width$}", self.code(step_of(now), DIGITS), width = DIGITS as usize)
    }

    /// The raw bytes, for sealing.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key as authenticator apps take it typed in: base32 without padding.
    pub fn base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` URI an authenticator app reads from the QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }

    /// The code for time step `step`, as a number of `digits` digits.
    fn code(&self, step: i64, digits: u32) -> u32 {
        hotp(&self.0, step as u64, digits)
    }

    /// The step at which `code` is valid within [`SKEW_STEPS`] of `now`, and
    /// later than `after` (the last step this key accepted), so a code is
    /// accepted once. `None` for a wrong, stale or reused code.
    pub fn accepts(&self, code: &str, now: i64, after: Option<i64>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        // Every candidate is compared, in constant time, so timing does not
        // say which step matched.
        let mut found = None;
        for step in current - SKEW_STEPS..=current + SKEW_STEPS {
            let expected = self.code_at(step * STEP_SECS);
            let fresh = after.is_none_or(|last| step > last);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && fresh && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// The time step of Unix time `now`.
pub fn step_of(now: i64) -> i64 {
    now.div_euclid(STEP_SECS)
}

/// RFC 4226 HOTP: HMAC-SHA1 of the counter, dynamically truncated.
fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([hash[offset], hash[offset + 1], hash[offset + 2], hash[offset + 3]]) & 0x7fff_ffff;
    binary % 10u32.pow(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, the SHA1 column (8 digits, key "12345678901234567890").
    #[test]
    fn matches_the_rfc_6238_sha1_vectors() {
        let key = TotpKey::from_bytes(b"12345678901234567890").unwrap();
        let vectors = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, expected) in vectors {
            assert_eq!(key.code(step_of(time), 8), expected, "T = {time}");
        }
    }

    /// RFC 4226 appendix D: HOTP values for counters 0 and 9 with 6 digits.
    #[test]
    fn matches_the_rfc_4226_hotp_vectors() {
        assert_eq!(hotp(b"12345678901234567890", 0, 6), 755224);
        assert_eq!(hotp(b"12345678901234567890", 9, 6), 520489);
    }

    #[test]
    fn accepts_one_step_either_side_and_each_step_once() {
        let key = TotpKey::generate();
        let now = 1_700_000_000;
        let at = |t: i64| format!("{:06}", key.code(step_of(t), DIGITS));
        assert_eq!(key.accepts(&at(now), now, None), Some(step_of(now)));
        assert_eq!(key.accepts(&at(now - 30), now, None), Some(step_of(now) - 1));
        assert_eq!(key.accepts(&at(now + 30), now, None), Some(step_of(now) + 1));
        assert_eq!(key.accepts(&at(now - 60), now, None), None, "two steps old");
        assert_eq!(
            key.accepts(&at(now), now, Some(step_of(now))),
            None,
            "reused in its window"
        );
        assert_eq!(
            key.accepts(&at(now - 30), now, Some(step_of(now))),
            None,
            "older than the last"
        );
        assert_eq!(key.accepts("12345", now, None), None);
        assert_eq!(key.accepts("abcdef", now, None), None);
    }

    #[test]
    fn the_uri_carries_the_base32_key_and_the_parameters() {
        let key = TotpKey::from_bytes(b"12345678901234567890").unwrap();
        assert_eq!(key.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpKey::from_base32("gezdgnbvgy3tqojqgezdgnbvgy3tqojq")
                .unwrap()
                .bytes(),
            key.bytes()
        );
        assert!(TotpKey::from_base32("GEZDGNBV").is_none());
        let uri = key.otpauth_uri("Keyward", "a@example.com");
        assert!(uri.starts_with("otpauth://totp/Keyward:a%40example%2Ecom?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(uri.contains("digits=6") && uri.contains("period=30") && uri.contains("algorithm=SHA1"));
        assert!(!format!("{key:?}").contains("GEZ"));
    }
}
