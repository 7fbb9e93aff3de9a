//! JWT signing keys and tokens: RS256 (which RFC 9068 requires), ES256 and
//! EdDSA, all from AWS-LC. Keyward signs with AWS-LC directly and verifies
//! with `jsonwebtoken`, always pinning the algorithm to the one the key id
//! was made for, so `alg: none` and algorithm confusion cannot get through.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::fmt;
use std::str::FromStr;

/// A JWS algorithm Keyward signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum JwtAlgorithm {
    RS256,
    ES256,
    EdDSA,
}

impl JwtAlgorithm {
    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::RS256 => "RS256",
            JwtAlgorithm::ES256 => "ES256",
            JwtAlgorithm::EdDSA => "EdDSA",
        }
    }

    fn jsonwebtoken(self) -> Algorithm {
        match self {
            JwtAlgorithm::RS256 => Algorithm::RS256,
            JwtAlgorithm::ES256 => Algorithm::ES256,
            JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JwtAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RS256" => Ok(JwtAlgorithm::RS256),
            "ES256" => Ok(JwtAlgorithm::ES256),
            "EdDSA" => Ok(JwtAlgorithm::EdDSA),
            _ => Err(format!("{s} is not RS256, ES256 or EdDSA")),
        }
    }
}

/// A newly generated key pair: the private half (PKCS#8, to be sealed) and the public JWK.
pub struct GeneratedKey {
    pub pkcs8: Vec<u8>,
    pub public_jwk: serde_json::Value,
}

/// Generates a key pair for `alg` with id `kid` (RSA 2048-bit, P-256, Ed25519).
pub fn generate(alg: JwtAlgorithm, kid: &str) -> GeneratedKey {
    let base = json!({ "kid": kid, "alg": alg.as_str(), "use": "sig" });
    let (pkcs8, extra) = match alg {
        JwtAlgorithm::RS256 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
            let der = aws_lc_rs::encoding::AsDer::as_der(&pair)
                .expect("PKCS#8 encoding")
                .as_ref()
                .to_vec();
            let parts = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
            (
                der,
                json!({ "kty": "RSA", "n": B64.encode(parts.n), "e": B64.encode(parts.e) }),
            )
        }
        JwtAlgorithm::ES256 => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key generation");
            let der = pair.to_pkcs8v1().expect("PKCS#8 encoding").as_ref().to_vec();
            let point = pair.public_key().as_ref();
            (
                der,
                json!({ "kty": "EC", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65]) }),
            )
        }
        JwtAlgorithm::EdDSA => {
            let pair = Ed25519KeyPair::generate().expect("Ed25519 key generation");
            let der = pair.to_pkcs8().expect("PKCS#8 encoding").as_ref().to_vec();
            (
                der,
                json!({ "kty": "OKP", "crv": "Ed25519", "x": B64.encode(pair.public_key().as_ref()) }),
            )
        }
    };
    let mut jwk = base;
    if let (Some(o), Some(e)) = (jwk.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    GeneratedKey { pkcs8, public_jwk: jwk }
}

enum PrivateKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// Signs tokens with one key.
pub struct Signer {
    pub kid: String,
    pub alg: JwtAlgorithm,
    key: PrivateKey,
    rng: SystemRandom,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}, {})", self.kid, self.alg)
    }
}

/// Why a token was refused: a bad signature, or one made with another
/// algorithm than its key id's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("bad signature or algorithm")]
    Signature,
}

impl Signer {
    /// Loads a signer from its PKCS#8 bytes.
    pub fn from_pkcs8(kid: &str, alg: JwtAlgorithm, pkcs8: &[u8]) -> Option<Self> {
        let key = match alg {
            JwtAlgorithm::RS256 => PrivateKey::Rsa(RsaKeyPair::from_pkcs8(pkcs8).ok()?),
            JwtAlgorithm::ES256 => {
                PrivateKey::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).ok()?)
            }
            JwtAlgorithm::EdDSA => PrivateKey::Ed(Ed25519KeyPair::from_pkcs8(pkcs8).ok()?),
        };
        Some(Self {
            kid: kid.to_owned(),
            alg,
            key,
            rng: SystemRandom::new(),
        })
    }

    /// A compact JWS of `claims`, with `typ` and this key's `kid` in the header.
    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> String {
        let header = json!({ "alg": self.alg.as_str(), "typ": typ, "kid": self.kid });
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(serde_json::to_vec(claims).expect("claims serialise"))
        );
        let sig = match &self.key {
            PrivateKey::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, signing_input.as_bytes(), &mut sig)
                    .expect("RSA signing");
                sig
            }
            PrivateKey::Ec(k) => k
                .sign(&self.rng, signing_input.as_bytes())
                .expect("ECDSA signing")
                .as_ref()
                .to_vec(),
            PrivateKey::Ed(k) => k.sign(signing_input.as_bytes()).as_ref().to_vec(),
        };
        format!("{signing_input}.{}", B64.encode(sig))
    }
}

/// A public key that verifies tokens of one `kid`.
#[derive(Clone)]
pub struct Verifier {
    pub alg: JwtAlgorithm,
    key: DecodingKey,
}

impl Verifier {
    /// From a public JWK as [`generate`] makes them.
    pub fn from_jwk(jwk: &serde_json::Value) -> Option<Self> {
        let alg: JwtAlgorithm = jwk["alg"].as_str()?.parse().ok()?;
        let s = |k: &str| jwk[k].as_str();
        let key = match alg {
            JwtAlgorithm::RS256 => DecodingKey::from_rsa_components(s("n")?, s("e")?).ok()?,
            JwtAlgorithm::ES256 => DecodingKey::from_ec_components(s("x")?, s("y")?).ok()?,
            JwtAlgorithm::EdDSA => DecodingKey::from_ed_components(s("x")?).ok()?,
        };
        Some(Self { alg, key })
    }

    /// Checks the signature with this key's algorithm only, and returns the claims.
    /// Time checks are the caller's, against its injectable clock.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, TokenError> {
        let mut v = Validation::new(self.alg.jsonwebtoken());
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<C>(token, &self.key, &v)
            .map(|d| d.claims)
            .map_err(|_| TokenError::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    fn round_trip(alg: JwtAlgorithm) {
        let g = generate(alg, "k1");
        let signer = Signer::from_pkcs8("k1", alg, &g.pkcs8).unwrap();
        let token = signer.sign(
            "at+jwt",
            &Claims {
                sub: "c".into(),
                exp: 1,
            },
        );
        let h = crate::wire::jwt::peek_header(&token).unwrap();
        assert_eq!(
            (h.alg.as_str(), h.kid.as_deref(), h.typ.as_deref()),
            (alg.as_str(), Some("k1"), Some("at+jwt"))
        );
        let v = Verifier::from_jwk(&g.public_jwk).unwrap();
        let claims: Claims = v.verify(&token).unwrap();
        assert_eq!(
            claims,
            Claims {
                sub: "c".into(),
                exp: 1
            }
        );
        let other = Verifier::from_jwk(&generate(alg, "k2").public_jwk).unwrap();
        assert_eq!(other.verify::<Claims>(&token), Err(TokenError::Signature));
    }

    #[test]
    fn rs256_es256_and_eddsa_sign_and_verify() {
        round_trip(JwtAlgorithm::RS256);
        round_trip(JwtAlgorithm::ES256);
        round_trip(JwtAlgorithm::EdDSA);
    }

    #[test]
    fn alg_none_is_refused() {
        let g = generate(JwtAlgorithm::ES256, "k1");
        let v = Verifier::from_jwk(&g.public_jwk).unwrap();
        let header = B64.encode(r#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#);
        let body = B64.encode(r#"{"sub":"c","exp":1}"#);
        assert!(v.verify::<Claims>(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn algorithm_confusion_is_refused() {
        // An RS256 key's verifier must not accept an HS256 token "signed" with
        // its public key, nor an ES256 token.
        let rsa = generate(JwtAlgorithm::RS256, "k1");
        let v = Verifier::from_jwk(&rsa.public_jwk).unwrap();
        let forged = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &Claims {
                sub: "c".into(),
                exp: 1,
            },
            &jsonwebtoken::EncodingKey::from_secret(rsa.public_jwk["n"].as_str().unwrap().as_bytes()),
        )
        .unwrap();
        assert!(v.verify::<Claims>(&forged).is_err());
        let ec = generate(JwtAlgorithm::ES256, "k1");
        let es_token = Signer::from_pkcs8("k1", JwtAlgorithm::ES256, &ec.pkcs8).unwrap().sign(
            "at+jwt",
            &Claims {
                sub: "c".into(),
                exp: 1,
            },
        );
        assert!(v.verify::<Claims>(&es_token).is_err());
    }
}
