//! FOOF's shared crate: everything the endpoint-group functions have in common.
//!
//! The layout is hexagonal. `domain` holds the rules in plain Rust (no AWS types); `ports`
//! names what the domain needs from the outside world (storage, SMS, mail, objects, clock);
//! `aws` implements those ports with the AWS SDK; `http` turns requests into fields and
//! errors into the spec's replies; `app` is the composition root a container builds once.

pub mod app;
pub mod aws;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod images;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod observability;
pub mod ports;

pub use error::ApiError;
