//! SMS verification codes: six digits from the OS CSPRNG, kept only as a keyed hash, with an
//! expiry, a bound on wrong guesses, a resend interval and a daily cap per phone.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePolicy {
    /// How long a code can be used.
    pub lifetime: Duration,
    /// Wrong guesses allowed before the code is dead.
    pub max_tries: u32,
    /// Minimum time between two codes for one phone ("request too frequent").
    pub resend_interval: Duration,
    /// Codes one phone may receive per UTC day.
    pub daily_cap: u32,
}

/// A fresh six-digit code, uniform over 000000..=999999.
pub fn generate_code() -> String {
    // Rejection sampling keeps the distribution uniform: 4_294_000_000 is the largest multiple
    // of 1_000_000 below 2^32.
    loop {
        let n = super::random::u32();
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// HMAC-SHA256 of the code, keyed by a server secret and bound to the phone number, so a
/// leaked table does not reveal codes (a plain hash of six digits is brute-forced instantly).
pub fn code_digest(secret: &[u8], phone_e164: &str, code: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(phone_e164.as_bytes());
    mac.update(b"\0");
    mac.update(code.trim().as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The SMS text.
pub fn sms_text(code: &str, lifetime: Duration) -> String {
    format!(
        "【FOOF】您的验证码是 {code}，{} 分钟内有效。请勿泄露给他人。",
        lifetime.as_secs().div_ceil(60)
    )
}

/// Reads the six-digit code out of an SMS produced by [`sms_text`] (what a test's phone does).
#[cfg(any(test, feature = "test-util"))]
pub fn code_in_sms(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| generate_code()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(codes.len() > 40, "50 draws gave only {} distinct codes", codes.len());
    }

    #[test]
    fn digests_depend_on_secret_phone_and_code() {
        let base = code_digest(b"k", "+8613800138000", "123456");
        assert_eq!(base, code_digest(b"k", "+8613800138000", " 123456 "));
        assert_ne!(base, code_digest(b"k2", "+8613800138000", "123456"));
        assert_ne!(base, code_digest(b"k", "+8613800138001", "123456"));
        assert_ne!(base, code_digest(b"k", "+8613800138000", "123457"));
        assert_eq!(base.len(), 64);
    }

    #[test]
    fn the_sms_carries_the_code() {
        let text = sms_text("042042", Duration::from_secs(600));
        assert!(text.contains("10 分钟"));
        assert_eq!(code_in_sms(&text), Some("042042"));
    }
}
