//! What every router gets before it is served, on Lambda or in the dev server.

use crate::error::ApiError;
use crate::observability::log_request;
use axum::Router;
use axum::middleware;

/// Adds request logging, and JSON 404s for unknown routes and wrong methods (the original
/// had no 405).
pub fn finish(router: Router) -> Router {
    router
        .route_layer(middleware::from_fn(log_request))
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
}

async fn unknown_route() -> ApiError {
    tracing::info!(route = "unmatched", status = 404, "request");
    ApiError::NotFound
}

/// A positive integer path segment (`/user/{uuid}`, `/item/{itemid}`).
pub fn path_id<Id: From<i64>>(segment: &str) -> Result<Id, ApiError> {
    segment
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(Id::from)
        .ok_or(ApiError::InvalidRequest)
}
