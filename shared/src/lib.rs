//! FOOF's shared crate: everything the endpoint-group functions have in common.
//!
//! The layout is hexagonal. `domain` holds the rules in plain Rust (no AWS types); `ports`
//! names what the domain needs from the outside world (storage, SMS, mail, objects, clock);
//! `aws` implements those ports with the AWS SDK; `http` turns requests into fields and
//! errors into the spec's replies; `app` wires one set of adapters per container.

pub mod app;
pub mod aws;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod images;
pub mod observability;
pub mod ports;

pub use app::App;
pub use error::ApiError;

// Every FOOF binary links this crate, so this is the one place to choose the allocator. A
// request allocates a few thousand small objects (SDK builders, attribute maps, JSON), and
// mimalloc cut the CPU of add item and search by about a tenth against glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
