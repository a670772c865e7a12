//! Every function's router on one port, as API Gateway would route them, and the compactor
//! fed by the postings table's stream, as the stream's event source mapping would run it.

pub mod compaction;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use foof_shared::app::Adapters;
use foof_shared::http::finish;

/// The API's OpenAPI 3.1 description, served at `GET /openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../docs/openapi.yaml");

pub fn router(adapters: &Adapters) -> Router {
    let routers = [
        foof_users::router,
        foof_items::router,
        foof_favorites::router,
        foof_chats::router,
        foof_trades::router,
        foof_safety::router,
        foof_search::router,
        foof_images::router,
    ];
    let document = Router::new().route(
        "/openapi.yaml",
        get(|| async { ([(CONTENT_TYPE, "application/yaml")], OPENAPI) }),
    );
    finish(
        routers
            .into_iter()
            .fold(document, |all, router| all.merge(router(adapters))),
    )
}
