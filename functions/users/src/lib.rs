//! The users group (`/user/*`): accounts, verification codes, profiles, avatars and campus
//! mail verification. `router` is served by this crate's Lambda binary and by the dev server.

mod accounts;
mod error;
mod handlers;
mod mail;
mod profile;

pub use error::UserError;

use axum::Router;
use axum::routing::{get, post};
use foof_shared::App;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/user/{uuid}", get(handlers::public_profile))
        .route("/user/me", post(handlers::me))
        .route("/user/published", post(handlers::published))
        .route("/user/finished", post(handlers::finished))
        .route("/user/login", post(handlers::login))
        .route("/user/register", post(handlers::register))
        .route("/user/reset", post(handlers::reset))
        .route("/user/requirecode", post(handlers::require_code))
        .route("/user/avatar", post(handlers::avatar))
        .route("/user/modify", post(handlers::modify))
        .route("/user/mail/verify", post(handlers::send_mail_verification))
        .route("/user/mail/verify/{token}", get(handlers::confirm_mail))
        .with_state(app)
}
