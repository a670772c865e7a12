//! Every function's router on one port, as API Gateway would route them.

use axum::Router;
use foof_shared::http::finish;
use foof_shared::App;

pub fn router(app: App) -> Router {
    finish(Router::new().merge(foof_users::router(app.clone())).merge(foof_images::router(app)))
}
