//! The Lambda entry point every function's `main` calls.

use crate::app::{Adapters, LoginTokens};
use crate::observability::init_logging;
use axum::Router;

/// Builds the adapters once (cold start), then serves API Gateway events with the router.
/// Lambda hands a container one event at a time, so each function's `main` runs this on a
/// current-thread runtime: no worker threads to start at cold start or to wake per request.
pub async fn run_lambda(router: fn(&Adapters) -> Router, login_tokens: LoginTokens) -> Result<(), lambda_http::Error> {
    init_logging();
    let adapters = Adapters::from_env(login_tokens).await?;
    lambda_http::run(super::finish(router(&adapters))).await
}
