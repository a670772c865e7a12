//! The only JWT algorithm FOOF signs and accepts is HS256. jsonwebtoken's bundled backends link
//! RSA, ECDSA and EdDSA as well (or all of AWS-LC); this provider computes HS256 with the
//! hmac/sha2 crates and refuses every other algorithm, which keeps the Lambda binaries small.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::KeyUtils;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes HS256 the process's JWT backend; calling it again is harmless.
pub fn install() {
    let _already_installed = HS256_ONLY.install_default();
}

struct Hs256(HmacSha256);

impl Hs256 {
    fn new(algorithm: &Algorithm, secret: &[u8]) -> Result<Self> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        let mac = HmacSha256::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?;
        Ok(Self(mac))
    }
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(Hs256::new(algorithm, key.as_bytes())?))
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(Hs256::new(algorithm, key.try_get_as_bytes()?)?))
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        mac.verify_slice(tag).map_err(signature::Error::from_source)
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
    use jsonwebtoken::crypto::{sign, verify};

    // The HS256 example token published on jwt.io, signed with "your-256-bit-secret".
    const MESSAGE: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
    const SIGNATURE: &str = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    const SECRET: &[u8] = b"your-256-bit-secret";

    #[test]
    fn signs_and_verifies_the_published_example() {
        install();
        assert_eq!(
            sign(MESSAGE.as_bytes(), &EncodingKey::from_secret(SECRET), Algorithm::HS256).unwrap(),
            SIGNATURE
        );
        assert!(
            verify(
                SIGNATURE,
                MESSAGE.as_bytes(),
                &DecodingKey::from_secret(SECRET),
                Algorithm::HS256
            )
            .unwrap()
        );
        assert!(
            !verify(
                SIGNATURE,
                MESSAGE.as_bytes(),
                &DecodingKey::from_secret(b"another secret"),
                Algorithm::HS256
            )
            .unwrap()
        );
        assert!(
            !verify(
                SIGNATURE,
                b"tampered.message",
                &DecodingKey::from_secret(SECRET),
                Algorithm::HS256
            )
            .unwrap()
        );
    }

    #[test]
    fn refuses_every_other_algorithm() {
        install();
        for algorithm in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
        ] {
            assert!(
                sign(MESSAGE.as_bytes(), &EncodingKey::from_secret(SECRET), algorithm).is_err(),
                "{algorithm:?}"
            );
            assert!(
                verify(
                    SIGNATURE,
                    MESSAGE.as_bytes(),
                    &DecodingKey::from_secret(SECRET),
                    algorithm
                )
                .is_err(),
                "{algorithm:?}"
            );
        }
    }
}
