//! Structured JSON logs, one line per request: Lambda request id, route, status, latency.
//! Bodies, headers and tokens are never logged.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the JSON log subscriber on stdout (idempotent, so tests may call it freely).
pub fn init_logging() {
    init_logging_to(std::io::stdout);
}

/// As [`init_logging`], writing somewhere else (tests capture the log lines).
pub fn init_logging_to<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    // `Targets` understands `level` and `target=level,…`, which is all RUST_LOG is used for here;
    // EnvFilter would link two regex engines into every function.
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
        .with(filter)
        .try_init();
}

pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let request_id = request
        .extensions()
        .get::<lambda_http::lambda_runtime::Context>()
        .map(|context| context.request_id.clone())
        .unwrap_or_default();
    let response = next.run(request).await;
    tracing::info!(
        request_id,
        method = %method,
        route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}
