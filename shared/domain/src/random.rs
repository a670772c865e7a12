//! Randomness from the OS CSPRNG: codes, salts, secrets and recommendation samples.
//!
//! The OS source failing means the machine cannot do cryptography at all; there is no reply
//! that would be right, so that is the one invariant this module asserts.

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes
}

pub fn u64() -> u64 {
    u64::from_le_bytes(bytes())
}

pub fn u32() -> u32 {
    u32::from_le_bytes(bytes())
}
