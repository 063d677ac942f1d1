//! An HS256-only crypto backend for `jsonwebtoken`.
//!
//! `jsonwebtoken` 10+ leaves its cryptography to a [`CryptoProvider`]: its `rust_crypto`
//! feature brings RSA, P-256, P-384 and Ed25519 (a few dozen crates to compile for every
//! build of every function), its `aws_lc_rs` feature a C library and a CMake build.
//! Twilio access tokens are HS256 only, so this provider signs and verifies HS256 with
//! the `hmac` and `sha2` crates the workspace already builds for webhook signatures,
//! and refuses every other algorithm. JWK helpers are not provided (nothing here uses
//! JWKs).
//!
//! [`install`] makes it the process default once. If something else in the process
//! installed a provider first, or a build turns on one of `jsonwebtoken`'s own backends,
//! that provider is used instead; any complete provider signs HS256 identically.

use std::sync::Once;

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{new_error, ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the HS256 provider the process default, unless one is already in place.
pub(super) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if CryptoProvider::try_get_default().is_none() {
            // Losing a race against another installer is fine: theirs is used.
            let _ = PROVIDER.install_default();
        }
    });
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    let mac = HmacSha256::new_from_slice(key.as_bytes())
        .map_err(|_| new_error(ErrorKind::InvalidKeyFormat))?;
    Ok(Box::new(Hs256(mac)))
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::HS256 || key.family() != AlgorithmFamily::Hmac {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    let mac = HmacSha256::new_from_slice(key.try_get_as_bytes()?)
        .map_err(|_| new_error(ErrorKind::InvalidKeyFormat))?;
    Ok(Box::new(Hs256(mac)))
}

/// HMAC-SHA256 keyed with the secret; cloned per message.
struct Hs256(HmacSha256);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        // Constant-time comparison.
        mac.verify_slice(tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
    #[test]
    fn signs_hmac_sha256() {
        let key = EncodingKey::from_secret(b"Jefe").expect("key");
        let signer = new_signer(&Algorithm::HS256, &key).expect("signer");
        let tag = signer
            .try_sign(b"what do ya want for nothing?")
            .expect("sign");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn refuses_other_algorithms() {
        let key = EncodingKey::from_secret(b"k").expect("key");
        assert!(new_signer(&Algorithm::HS512, &key).is_err());
    }
}
