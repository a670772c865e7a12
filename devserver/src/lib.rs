//! Every function's router on one port, as API Gateway would route them.

use axum::Router;
use foof_shared::http::finish;
use foof_shared::App;

pub fn router(app: App) -> Router {
    let routers = [
        foof_users::router,
        foof_items::router,
        foof_favorites::router,
        foof_chats::router,
        foof_trades::router,
        foof_search::router,
        foof_images::router,
    ];
    finish(routers.into_iter().fold(Router::new(), |all, router| all.merge(router(app.clone()))))
}
