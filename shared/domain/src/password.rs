//! Password storage: Argon2id over the string the client sends (the real client sends the
//! SHA-1 hex of the typed password; we treat that string as the secret).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The longest password string accepted, so that hashing cost stays bounded.
pub const MAX_PASSWORD_LEN: usize = 256;

/// A PHC-format Argon2id hash (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&super::random::bytes::<16>()).expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters cannot fail on a bounded input")
        .to_string()
}

/// Constant-time verification; an unparsable stored hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_same_password() {
        let hash = hash_password("7c4a8d09ca3762af61e59520943dc26494f8941b");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("7c4a8d09ca3762af61e59520943dc26494f8941b", &hash));
        assert!(!verify_password("7c4a8d09ca3762af61e59520943dc26494f8941c", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn salts_every_hash() {
        assert_ne!(hash_password("same"), hash_password("same"));
    }
}
