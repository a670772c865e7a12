//! FOOF's shared crate: the HTTP edge and the composition root every function is built on.
//!
//! The layers are three crates. `foof-domain` (shared/domain) holds the rules in plain Rust
//! and the ports they need; `foof-aws` (shared/aws) implements the ports with the AWS SDK; this
//! crate reads the configuration (`config`), turns requests into fields and errors into the
//! spec's replies (`http`, `error`), and builds the adapters once per container (`app`).

pub mod app;
pub mod config;
pub mod error;
pub mod http;
pub mod observability;
pub mod warm;

pub use error::ApiError;
