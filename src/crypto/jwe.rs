//! A new secret sealed to its holder's public key, as a compact JWE (RFC 7516)
//! with `alg: "ECDH-ES"` (direct key agreement, RFC 7518 §4.6) and
//! `enc: "A256GCM"`: a scheduled rotation can then deliver the secret in a
//! webhook that only the holder can read, and Keyward keeps no copy it could open.
//!
//! The JOSE framing is written here by hand, on AWS-LC's ECDH, Concat KDF
//! (its single-step KDF, NIST SP 800-56C option 1, which is RFC 7518's), and
//! AES-GCM: the maintained Rust JOSE crates either lack ECDH-ES or pull in
//! OpenSSL. `server/tests/api/jwe_peer.rs` has jwcrypto open what this seals.

use aws_lc_rs::aead::{AES_256_GCM, Aad, RandomizedNonceKey};
use aws_lc_rs::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, X25519, agree_ephemeral};
use aws_lc_rs::kdf::{SskdfDigestAlgorithmId, get_sskdf_digest_algorithm, sskdf_digest};
use aws_lc_rs::rand::SystemRandom;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::domain::HolderKey;
use crate::domain::holder_key::PublicPoint;

/// The Concat KDF's OtherInfo for `enc: "A256GCM"` (RFC 7518 §4.6.2): the
/// AlgorithmID, then empty PartyUInfo and PartyVInfo (we send no `apu` or
/// `apv`), each prefixed with its 32-bit big-endian length, then SuppPubInfo,
/// the key length in bits (256) as 32-bit big-endian.
const OTHER_INFO: [u8; 23] = [
    0, 0, 0, 7, b'A', b'2', b'5', b'6', b'G', b'C', b'M', // AlgorithmID
    0, 0, 0, 0, // PartyUInfo
    0, 0, 0, 0, // PartyVInfo
    0, 0, 1, 0, // SuppPubInfo
];

/// AWS-LC failed at one step; it gives no more detail than which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealing the secret to the holder's key failed at {step}")]
pub struct JweError {
    step: &'static str,
}

fn failed(step: &'static str) -> impl Fn(aws_lc_rs::error::Unspecified) -> JweError {
    move |_| JweError { step }
}

/// Encrypts `plaintext` to `recipient` with a fresh ephemeral key, and
/// returns the compact serialization `header..iv.ciphertext.tag` (the
/// encrypted key is empty: with direct agreement, the agreed key is the CEK).
pub fn seal(recipient: &HolderKey, plaintext: &[u8]) -> Result<String, JweError> {
    let (algorithm, peer) = match recipient.point() {
        PublicPoint::P256 { x, y } => (&ECDH_P256, [&[4u8][..], x, y].concat()),
        PublicPoint::X25519 { x } => (&X25519, x.to_vec()),
    };
    let ephemeral = EphemeralPrivateKey::generate(algorithm, &SystemRandom::new()).map_err(failed("key generation"))?;
    let epk = ephemeral.compute_public_key().map_err(failed("key generation"))?;
    let header = URL_SAFE_NO_PAD.encode(protected_header(recipient, epk.as_ref())?.to_string());
    let key = agree_ephemeral(
        ephemeral,
        UnparsedPublicKey::new(algorithm, peer),
        JweError { step: "key agreement" },
        content_key,
    )?;
    // Encrypted in place, so no second copy of the plaintext is left behind.
    let mut body = plaintext.to_vec();
    let (iv, tag) = key
        .seal_in_place_separate_tag(Aad::from(header.as_bytes()), &mut body)
        .map_err(failed("encryption"))?;
    Ok(format!(
        "{header}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv.as_ref()),
        URL_SAFE_NO_PAD.encode(&body),
        URL_SAFE_NO_PAD.encode(tag.as_ref()),
    ))
}

/// `alg`, `enc`, the ephemeral public key as a JWK, and the holder's `kid`
/// so they can tell which of their keys to open it with.
fn protected_header(recipient: &HolderKey, epk: &[u8]) -> Result<Value, JweError> {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let epk = match (recipient.point(), epk) {
        // AWS-LC gives a P-256 public key as the uncompressed SEC1 point: 0x04, x, y.
        (PublicPoint::P256 { .. }, [4, point @ ..]) if point.len() == 64 => {
            let (x, y) = point.split_at(32);
            json!({ "kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y) })
        }
        (PublicPoint::X25519 { .. }, x) if x.len() == 32 => json!({ "kty": "OKP", "crv": "X25519", "x": b64(x) }),
        _ => {
            return Err(JweError {
                step: "ephemeral key encoding",
            });
        }
    };
    let mut header = Map::new();
    header.insert("alg".into(), "ECDH-ES".into());
    header.insert("enc".into(), "A256GCM".into());
    header.insert("epk".into(), epk);
    if let Some(kid) = recipient.kid() {
        header.insert("kid".into(), kid.into());
    }
    Ok(Value::Object(header))
}

/// The AES-256-GCM key from the shared secret `z` (which AWS-LC wipes after
/// this returns). Our own copy of the key is overwritten once AWS-LC holds it.
fn content_key(z: &[u8]) -> Result<RandomizedNonceKey, JweError> {
    let kdf = get_sskdf_digest_algorithm(SskdfDigestAlgorithmId::Sha256).ok_or(JweError { step: "key derivation" })?;
    let mut cek = [0u8; 32];
    let key = sskdf_digest(kdf, z, &OTHER_INFO, &mut cek)
        .and_then(|()| RandomizedNonceKey::new(&AES_256_GCM, &cek))
        .map_err(failed("key derivation"));
    cek.fill(0);
    // Keeps the wipe from being optimised away as a dead store.
    std::hint::black_box(&cek);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holder(jwk: Value) -> HolderKey {
        HolderKey::parse(&jwk).unwrap()
    }

    fn part(token: &str, i: usize) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(token.split('.').nth(i).unwrap()).unwrap()
    }

    #[test]
    fn the_concat_kdf_matches_rfc_7518_appendix_c() {
        let z = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128,
            106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let other_info = [
            &[0, 0, 0, 7][..],
            b"A128GCM",
            &[0, 0, 0, 5],
            b"Alice",
            &[0, 0, 0, 3],
            b"Bob",
            &[0, 0, 0, 128],
        ]
        .concat();
        let mut key = [0u8; 16];
        let kdf = get_sskdf_digest_algorithm(SskdfDigestAlgorithmId::Sha256).unwrap();
        sskdf_digest(kdf, &z, &other_info, &mut key).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(key), "VqqN6vgjbSBcIijNcacQGg");
    }

    #[test]
    fn the_other_info_names_a256gcm_and_256_bits_with_no_parties() {
        let expected = [&[0, 0, 0, 7][..], b"A256GCM", &[0; 8], &256u32.to_be_bytes()].concat();
        assert_eq!(OTHER_INFO[..], expected[..]);
    }

    #[test]
    fn a_p256_jwe_has_five_parts_an_empty_encrypted_key_and_the_ephemeral_key() {
        let key = holder(json!({
            "kty": "EC", "crv": "P-256", "kid": "holder-1",
            "x": "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ", "y": "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
        }));
        let token = seal(&key, b"kw_secret").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[1], "", "direct agreement has no encrypted key");
        assert_eq!(part(&token, 2).len(), 12, "96-bit IV");
        assert_eq!(part(&token, 3).len(), b"kw_secret".len());
        assert_eq!(part(&token, 4).len(), 16);
        let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap();
        assert_eq!(header["alg"], "ECDH-ES");
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"], "holder-1");
        let epk = HolderKey::parse(&header["epk"]).expect("the epk is a valid P-256 public key");
        assert!(matches!(epk.point(), PublicPoint::P256 { .. }));
        assert_eq!(header.as_object().unwrap().len(), 4);
    }

    #[test]
    fn an_x25519_jwe_carries_an_okp_ephemeral_key_and_no_kid_when_the_holder_gave_none() {
        let key = holder(json!({ "kty": "OKP", "crv": "X25519", "x": "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08" }));
        let token = seal(&key, b"").unwrap();
        let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap();
        assert_eq!(header["epk"]["kty"], "OKP");
        assert_eq!(header["epk"]["crv"], "X25519");
        assert!(header["epk"].get("y").is_none() && header.get("kid").is_none());
        assert_eq!(part(&token, 3).len(), 0);
    }

    #[test]
    fn every_seal_uses_a_fresh_ephemeral_key_and_iv() {
        let key = holder(json!({ "kty": "OKP", "crv": "X25519", "x": "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08" }));
        let (a, b) = (seal(&key, b"same").unwrap(), seal(&key, b"same").unwrap());
        assert_ne!(part(&a, 0), part(&b, 0));
        assert_ne!(part(&a, 2), part(&b, 2));
        assert_ne!(part(&a, 3), part(&b, 3));
    }
}
