//! The items group: reading, posting, editing, deleting items and their pictures. `router`
//! is served by this crate's Lambda binary and by the dev server.

mod error;
mod handlers;
mod images;
mod posts;

pub use error::ItemError;

use axum::Router;
use axum::routing::{get, post};
use foof_shared::App;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/item/{itemid}", get(handlers::get_item))
        .route("/item/add", post(handlers::add))
        .route("/item/modify", post(handlers::modify))
        .route("/item/delete", post(handlers::delete))
        .route("/item/image", post(handlers::upload_images))
        .with_state(app)
}
