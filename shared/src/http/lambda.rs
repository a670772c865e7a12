//! The Lambda entry point every function's `main` calls.

use crate::app::{Adapters, LoginTokens};
use crate::observability::init_logging;
use crate::warm::Connections;
use axum::Router;

/// Builds the adapters once (cold start) and opens the connections the function's requests
/// use first, then serves API Gateway events with the router. Lambda hands a container one
/// event at a time, so each function's `main` runs this on a current-thread runtime: no worker
/// threads to start at cold start or to wake per request.
pub async fn run_lambda(
    router: fn(&Adapters) -> Router,
    login_tokens: LoginTokens,
    connections: Connections,
) -> Result<(), lambda_http::Error> {
    init_logging();
    let adapters = Adapters::from_env(login_tokens).await?;
    let router = router(&adapters);
    adapters.open(connections).await;
    lambda_http::run(super::finish(router)).await
}
