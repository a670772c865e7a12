//! The items group: reading, posting, editing, renewing, deleting items and their pictures. `router`
//! is served by this crate's Lambda binary and by the dev server.

mod error;
mod handlers;
mod images;
mod posts;

pub use images::ItemImages;
pub use posts::Posts;

use axum::Router;
use axum::routing::{get, post};
use foof_shared::app::Adapters;
use foof_shared::http::AppState;

/// The items group's use cases.
pub struct Items {
    pub posts: Posts,
    pub images: ItemImages,
}

type ItemsState = AppState<Items>;

pub fn router(adapters: &Adapters) -> Router {
    let items = adapters.items();
    let use_cases = Items {
        posts: Posts::new(items.clone(), adapters.favorites()),
        images: ItemImages::new(items, adapters.objects()),
    };
    Router::new()
        .route("/item/{itemid}", get(handlers::get_item))
        .route("/item/add", post(handlers::add))
        .route("/item/modify", post(handlers::modify))
        .route("/item/delete", post(handlers::delete))
        .route("/item/renew", post(handlers::renew))
        .route("/item/image", post(handlers::upload_images))
        .with_state(AppState::new(adapters.tokens(), adapters.sessions(), use_cases))
}
