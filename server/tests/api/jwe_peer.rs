//! The JWE a scheduled rotation sends, opened by an independent library:
//! jwcrypto (pyca/cryptography, i.e. OpenSSL) plays the holder in
//! `tests/jwe/holder.py`, makes the key pair, and decrypts what
//! `keyward::crypto::jwe::seal` produced.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward::crypto::jwe::seal;
use keyward::domain::HolderKey;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use tempfile::NamedTempFile;

fn holder_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jwe/holder.py")
}

/// A key pair jwcrypto made: the private half stays in a file for `open`.
pub(crate) struct Holder {
    private_jwk: NamedTempFile,
    pub(crate) public: HolderKey,
    thumbprint: String,
}

impl Holder {
    pub(crate) fn generate(crv: &str, kid: Option<&str>) -> Self {
        let out = Command::new(crate::peers::python())
            .arg(holder_script())
            .args(["gen", crv])
            .args(kid)
            .output()
            .expect("python runs");
        assert!(out.status.success(), "gen: {}", String::from_utf8_lossy(&out.stderr));
        let keys: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut private_jwk = NamedTempFile::new().unwrap();
        private_jwk.write_all(keys["private"].to_string().as_bytes()).unwrap();
        Self {
            private_jwk,
            public: HolderKey::parse(&keys["public"]).expect("jwcrypto's public JWK is accepted"),
            thumbprint: keys["thumbprint"].as_str().unwrap().to_owned(),
        }
    }

    /// Runs `holder.py open` on `token`.
    fn open(&self, token: &str) -> Output {
        let mut child = Command::new(crate::peers::python())
            .arg(holder_script())
            .arg("open")
            .arg(self.private_jwk.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python runs");
        child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub(crate) fn opens_to(&self, token: &str) -> Vec<u8> {
        let out = self.open(token);
        assert!(out.status.success(), "open: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// Asserts that `token` does not open, and for the right reason: the
    /// AES-GCM tag does not check out (not a malformed token or a missing key).
    pub(crate) fn refuses(&self, token: &str, what: &str) {
        let out = self.open(token);
        assert!(!out.status.success(), "{what} opened: {:?}", out.stdout);
        let reason = String::from_utf8_lossy(&out.stderr);
        assert!(reason.contains("InvalidTag"), "{what}: {reason}");
    }
}

fn jwcrypto_opens_what_keyward_seals(crv: &str) {
    let holder = Holder::generate(crv, Some("holder-1"));
    assert_eq!(holder.public.thumbprint(), holder.thumbprint, "RFC 7638 thumbprint");
    let secret = keyward::crypto::random::token();
    let token = seal(&holder.public, secret.as_bytes()).unwrap();
    assert_eq!(holder.opens_to(&token), secret.as_bytes());
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["kid"], "holder-1");
    assert_eq!(header["epk"]["crv"], crv);
}

#[test]
fn jwcrypto_opens_a_secret_sealed_to_a_p256_holder() {
    jwcrypto_opens_what_keyward_seals("P-256");
}

#[test]
fn jwcrypto_opens_a_secret_sealed_to_an_x25519_holder() {
    jwcrypto_opens_what_keyward_seals("X25519");
}

#[test]
fn a_secret_sealed_to_one_holder_does_not_open_with_another_key() {
    for crv in ["P-256", "X25519"] {
        let (a, b) = (Holder::generate(crv, None), Holder::generate(crv, None));
        let token = seal(&a.public, b"kw_for_a_only").unwrap();
        assert_eq!(a.opens_to(&token), b"kw_for_a_only");
        b.refuses(&token, &format!("{crv}: a JWE sealed to another key"));
    }
}

#[test]
fn a_tampered_jwe_does_not_open() {
    let holder = Holder::generate("X25519", Some("holder-1"));
    let token = seal(&holder.public, b"kw_untouched").unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let with_part = |i: usize, value: &str| {
        let mut changed = parts.clone();
        changed[i] = value;
        changed.join(".")
    };
    let flipped = |i: usize| {
        let mut bytes = URL_SAFE_NO_PAD.decode(parts[i]).unwrap();
        bytes[0] ^= 1;
        URL_SAFE_NO_PAD.encode(bytes)
    };
    let mut header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["kid"] = "holder-2".into();
    let renamed = URL_SAFE_NO_PAD.encode(header.to_string());

    holder.refuses(&with_part(0, &renamed), "a JWE whose header was changed");
    holder.refuses(&with_part(2, &flipped(2)), "a JWE whose IV was changed");
    holder.refuses(&with_part(3, &flipped(3)), "a JWE whose ciphertext was changed");
    holder.refuses(&with_part(4, &flipped(4)), "a JWE whose tag was changed");
    assert_eq!(holder.opens_to(&token), b"kw_untouched", "the original still opens");
}
