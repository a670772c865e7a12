//! Domain rules in plain Rust: no AWS types, no HTTP types.

pub mod codes;
pub mod ids;
pub mod item;
pub mod jwt_hs256;
pub mod message;
pub mod password;
pub mod phone;
pub mod random;
pub mod search;
pub mod timestamp;
pub mod tokens;
pub mod user;
