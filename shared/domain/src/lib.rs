//! FOOF's domain: values and rules in plain Rust, and the ports the use cases need from the
//! outside world. Nothing here knows AWS or HTTP; `foof-aws` implements the ports, and
//! `memory` (feature `test-util`) implements them again in memory for unit tests.

pub mod clock;
pub mod codes;
pub mod ids;
pub mod images;
pub mod item;
pub mod jwt_hs256;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod message;
pub mod password;
pub mod phone;
pub mod ports;
pub mod random;
pub mod rating;
pub mod safety;
pub mod search;
pub mod timestamp;
pub mod tokens;
pub mod user;
