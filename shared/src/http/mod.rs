//! The HTTP edge shared by every function: request fields, authentication, the finishing
//! touches every router gets, and the Lambda entry point.

mod auth;
mod client;
mod fields;
mod lambda;
mod origin;
mod path;
mod reply;
mod router;
mod sessions;
mod state;

pub use auth::{Authed, MaybeAuthed, bearer_user};
pub use client::ClientAddress;
pub use fields::{Fields, FileField, MAX_BODY_BYTES};
pub use lambda::run_lambda;
pub use origin::{ConfiguredBaseUrl, PublicBaseUrl};
pub use path::PathText;
pub use reply::{success, success_with};
pub use router::{finish, path_id};
pub use sessions::Sessions;
pub use state::AppState;
