//! The public key a credential's holder registers so that a scheduled
//! rotation can hand them the new secret encrypted (a JWE only they can open).
//!
//! It travels as a public JWK (RFC 7517): EC P-256 (RFC 7518 §6.2) or OKP
//! X25519 (RFC 8037). On the server, parsing also checks that the point can
//! be used for key agreement, so a key that was accepted never fails at
//! rotation time, months later.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::ValidationError;

/// The field every refusal names.
const FIELD: &str = "rotation.holder_key";
/// The longest `kid` kept, in characters.
const KID_MAX: usize = 100;

/// A holder's public key, checked: a supported curve, no private part, and
/// (on the server) a usable point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderKey {
    point: PublicPoint,
    kid: Option<String>,
}

/// The key agreement a holder key is for, with its public coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicPoint {
    /// NIST P-256: the affine coordinates, big-endian.
    P256 { x: [u8; 32], y: [u8; 32] },
    /// Curve25519: the u-coordinate, little-endian (RFC 7748).
    X25519 { x: [u8; 32] },
}

/// The JWK members Keyward reads; any other member is ignored, as RFC 7517
/// §4 asks (WebCrypto exports add `ext` and `key_ops`, for instance).
#[derive(Deserialize)]
struct JwkMembers {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    /// Only looked at to refuse it: a private key must never reach the server.
    d: Option<IgnoredAny>,
    kid: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
}

/// The public JWK as Keyward writes it back: the members a peer needs to
/// encrypt to it, in the usual order.
#[derive(Serialize)]
struct PublicJwk<'a> {
    kty: &'static str,
    crv: &'static str,
    x: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

fn refuse(message: impl Into<String>) -> ValidationError {
    ValidationError::new(FIELD, message)
}

impl HolderKey {
    /// Reads a public JWK from the request body or the console's form.
    pub fn parse(jwk: &serde_json::Value) -> Result<Self, ValidationError> {
        let members =
            JwkMembers::deserialize(jwk).map_err(|e| refuse(format!("must be a public JWK (a JSON object): {e}")))?;
        Self::from_members(members)
    }

    fn from_members(m: JwkMembers) -> Result<Self, ValidationError> {
        if m.d.is_some() {
            return Err(refuse(
                "is a private key (it has \"d\"): register only the public JWK; the private key stays with the holder",
            ));
        }
        let point = match (m.kty.as_deref(), m.crv.as_deref()) {
            (Some("EC"), Some("P-256")) => PublicPoint::P256 {
                x: coordinate("x", m.x.as_deref())?,
                y: coordinate("y", m.y.as_deref())?,
            },
            (Some("OKP"), Some("X25519")) => PublicPoint::X25519 {
                x: coordinate("x", m.x.as_deref())?,
            },
            (Some("OKP"), Some("Ed25519")) => {
                return Err(refuse(
                    "Ed25519 is a signing key: register an X25519 key for encryption",
                ));
            }
            (Some(kty @ ("EC" | "OKP")), crv) => {
                return Err(refuse(format!(
                    "curve {} of kty {kty:?} is not supported: use EC P-256 or OKP X25519",
                    crv.map_or_else(|| "(none)".to_owned(), |c| format!("{c:?}"))
                )));
            }
            (kty, _) => {
                return Err(refuse(format!(
                    "kty {} is not supported: use EC P-256 or OKP X25519",
                    kty.map_or_else(|| "(none)".to_owned(), |k| format!("{k:?}"))
                )));
            }
        };
        if m.key_use.as_deref().is_some_and(|u| u != "enc") {
            return Err(refuse(
                "\"use\" must be \"enc\" when present: this key receives encrypted secrets",
            ));
        }
        if m.alg.as_deref().is_some_and(|a| a != "ECDH-ES") {
            return Err(refuse(
                "\"alg\" must be \"ECDH-ES\" when present: Keyward encrypts with ECDH-ES",
            ));
        }
        if let Some(kid) = &m.kid
            && (kid.is_empty() || kid.chars().count() > KID_MAX || kid.chars().any(char::is_control))
        {
            return Err(refuse(format!("\"kid\" must be 1 to {KID_MAX} printable characters")));
        }
        if !usable_for_agreement(&point) {
            return Err(refuse(match point {
                PublicPoint::P256 { .. } => "x and y are not a point on P-256",
                PublicPoint::X25519 { .. } => "x is a low-order X25519 point, which no key agreement can use",
            }));
        }
        Ok(Self { point, kid: m.kid })
    }

    /// The curve and coordinates, for the key agreement.
    pub fn point(&self) -> &PublicPoint {
        &self.point
    }

    /// The holder's name for the key, repeated in the JWE header so they can
    /// pick the matching private key.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    fn public_jwk(&self) -> PublicJwk<'_> {
        let (kty, crv, x, y) = match &self.point {
            PublicPoint::P256 { x, y } => ("EC", "P-256", x, Some(URL_SAFE_NO_PAD.encode(y))),
            PublicPoint::X25519 { x } => ("OKP", "X25519", x, None),
        };
        PublicJwk {
            kty,
            crv,
            x: URL_SAFE_NO_PAD.encode(x),
            y,
            kid: self.kid.as_deref(),
        }
    }

    /// The RFC 7638 SHA-256 thumbprint (base64url): a short name for the key
    /// that does not depend on `kid` or member order, to show and compare.
    #[cfg(feature = "server")]
    pub fn thumbprint(&self) -> String {
        let jwk = self.public_jwk();
        // RFC 7638 §3.2: the required members only, in lexicographic order, no
        // whitespace. Every value is a fixed name or base64url, so none needs escaping.
        let canonical = match &jwk.y {
            Some(y) => format!(
                r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{y}"}}"#,
                jwk.crv, jwk.kty, jwk.x
            ),
            None => format!(r#"{{"crv":"{}","kty":"{}","x":"{}"}}"#, jwk.crv, jwk.kty, jwk.x),
        };
        URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            canonical.as_bytes(),
        ))
    }
}

/// One 32-byte coordinate, base64url without padding (RFC 7518 §6.2.1.2
/// keeps leading zeros, so the length is fixed).
fn coordinate(name: &str, value: Option<&str>) -> Result<[u8; 32], ValidationError> {
    let value = value.ok_or_else(|| refuse(format!("\"{name}\" is missing")))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            refuse(format!(
                "\"{name}\" must be 32 bytes in base64url without padding (43 characters)"
            ))
        })
}

/// Whether AWS-LC accepts the point for ECDH: P-256 points must lie on the
/// curve; an X25519 point must not be of low order, which AWS-LC detects
/// only by agreeing (the shared secret comes out all zeros).
#[cfg(feature = "server")]
fn usable_for_agreement(point: &PublicPoint) -> bool {
    use aws_lc_rs::agreement::{
        ECDH_P256, EphemeralPrivateKey, ParsedPublicKey, UnparsedPublicKey, X25519, agree_ephemeral,
    };
    match point {
        PublicPoint::P256 { x, y } => {
            let sec1 = [&[4u8][..], x, y].concat();
            ParsedPublicKey::try_from(UnparsedPublicKey::new(&ECDH_P256, sec1)).is_ok()
        }
        PublicPoint::X25519 { x } => EphemeralPrivateKey::generate(&X25519, &aws_lc_rs::rand::SystemRandom::new())
            .and_then(|ephemeral| {
                agree_ephemeral(
                    ephemeral,
                    UnparsedPublicKey::new(&X25519, x),
                    aws_lc_rs::error::Unspecified,
                    |_| Ok(()),
                )
            })
            .is_ok(),
    }
}

/// The WASM build cannot check points; the server checks again on every parse.
#[cfg(not(feature = "server"))]
fn usable_for_agreement(_: &PublicPoint) -> bool {
    true
}

impl Serialize for HolderKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.public_jwk().serialize(s)
    }
}

impl<'de> Deserialize<'de> for HolderKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_members(JwkMembers::deserialize(d)?).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Bob's key in RFC 7518 Appendix C.
    const P256_X: &str = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ";
    const P256_Y: &str = "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck";
    /// Bob's key in RFC 8037 Appendix A.6 (from RFC 7748 §6.1).
    const X25519_X: &str = "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08";

    fn p256() -> Value {
        json!({ "kty": "EC", "crv": "P-256", "x": P256_X, "y": P256_Y })
    }

    fn refusal(jwk: Value) -> String {
        HolderKey::parse(&jwk).expect_err("refused").message
    }

    #[test]
    fn p256_and_x25519_keys_are_read_and_written_back_as_public_jwks() {
        let ec = HolderKey::parse(&p256()).unwrap();
        assert!(matches!(ec.point(), PublicPoint::P256 { .. }));
        assert_eq!(serde_json::to_value(&ec).unwrap(), p256());

        let okp = json!({ "kty": "OKP", "crv": "X25519", "x": X25519_X, "kid": "holder-1", "use": "enc",
                          "alg": "ECDH-ES", "key_ops": [], "ext": true });
        let okp = HolderKey::parse(&okp).unwrap();
        assert_eq!(okp.kid(), Some("holder-1"));
        assert_eq!(
            serde_json::to_value(&okp).unwrap(),
            json!({ "kty": "OKP", "crv": "X25519", "x": X25519_X, "kid": "holder-1" })
        );
        let back: HolderKey = serde_json::from_value(serde_json::to_value(&okp).unwrap()).unwrap();
        assert_eq!(back, okp);
    }

    #[test]
    fn a_private_key_is_refused() {
        let mut jwk = p256();
        jwk["d"] = json!("0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo");
        assert!(refusal(jwk).contains("private key"));
        let e = HolderKey::parse(&json!({ "kty": "OKP", "crv": "X25519", "x": X25519_X, "d": X25519_X })).unwrap_err();
        assert_eq!(e.field, "rotation.holder_key");
    }

    #[test]
    fn other_key_types_and_curves_are_refused_by_name() {
        assert!(refusal(json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" })).contains("\"RSA\" is not supported"));
        assert!(refusal(json!({ "kty": "EC", "crv": "P-384", "x": P256_X, "y": P256_Y })).contains("\"P-384\""));
        assert!(refusal(json!({ "kty": "OKP", "crv": "Ed25519", "x": X25519_X })).contains("X25519"));
        assert!(refusal(json!({ "crv": "P-256", "x": P256_X, "y": P256_Y })).contains("(none)"));
        assert!(refusal(json!("not an object")).contains("JSON object"));
    }

    #[test]
    fn coordinates_must_be_32_bytes_of_canonical_base64url() {
        let mut short = p256();
        short["y"] = json!(&P256_Y[..42]);
        assert!(refusal(short).contains("\"y\" must be 32 bytes"));
        let mut padded = p256();
        padded["x"] = json!(format!("{P256_X}="));
        assert!(refusal(padded).contains("\"x\""));
        let mut missing = p256();
        missing.as_object_mut().unwrap().remove("y");
        assert!(refusal(missing).contains("\"y\" is missing"));
    }

    #[test]
    fn use_alg_and_kid_are_checked_when_present() {
        for (member, value) in [
            ("use", json!("sig")),
            ("alg", json!("ECDH-ES+A256KW")),
            ("kid", json!("")),
            ("kid", json!("k".repeat(101))),
            ("kid", json!("line\nbreak")),
        ] {
            let mut jwk = p256();
            jwk[member] = value;
            assert!(refusal(jwk).contains(member), "{member}");
        }
        let mut jwk = p256();
        jwk["kid"] = json!("k".repeat(100));
        assert!(HolderKey::parse(&jwk).is_ok());
    }

    #[cfg(feature = "server")]
    #[test]
    fn points_off_the_curve_and_low_order_points_are_refused() {
        let mut off = p256();
        off["y"] = json!(P256_X);
        assert!(refusal(off).contains("not a point on P-256"));
        let zero = URL_SAFE_NO_PAD.encode([0u8; 32]);
        assert!(refusal(json!({ "kty": "OKP", "crv": "X25519", "x": zero })).contains("low-order"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn the_thumbprint_covers_only_the_required_members() {
        let plain = HolderKey::parse(&p256()).unwrap();
        let mut named = p256();
        named["kid"] = json!("other");
        assert_eq!(plain.thumbprint(), HolderKey::parse(&named).unwrap().thumbprint());
        assert_eq!(plain.thumbprint().len(), 43);
    }
}
