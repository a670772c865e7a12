//! `make run`: the whole FOOF API on http://127.0.0.1:$PORT (default 4000).

use foof_shared::app::{Adapters, LoginTokens};
use foof_shared::observability::init_logging;
use std::net::SocketAddr;

// The same allocator as the Lambda binaries, so that `make bench` measures what they would spend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The same single-threaded runtime as the Lambda functions, so `make bench` measures the CPU
// they would spend; the work is I/O-bound, and Argon2 runs on the blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_logging();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(4000);
    let adapters = Adapters::from_env(LoginTokens::Verified).await?;
    let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(adapters.sdk_config());
    streams.set_endpoint_url(dynamodb_endpoint());
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
    let postings = adapters.config().tables.name("postings");
    tokio::spawn(foof_devserver::compaction::follow(
        streams,
        postings,
        adapters.compactor(),
    ));
    let expiry = foof_expiry::Expiry::new(adapters.items(), adapters.config().listing_max_age);
    tokio::spawn(sweep_hourly(expiry, adapters.clock()));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    tracing::info!(port, "FOOF dev server listening");
    axum::serve(
        listener,
        foof_devserver::router(&adapters).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// What the daily schedule does on AWS, hourly here (the first at start-up): a dev server that
/// runs for days withdraws listings as the deployed stack would.
async fn sweep_hourly(expiry: foof_expiry::Expiry, clock: std::sync::Arc<dyn foof_domain::clock::Clock>) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3_600));
    loop {
        hourly.tick().await;
        if let Err(error) = expiry.sweep(clock.now_ms()).await {
            tracing::warn!(%error, "expiry sweep failed; the next one retries");
        }
    }
}

/// The stream is DynamoDB Local's: the same endpoint as DynamoDB, not the other emulator.
fn dynamodb_endpoint() -> Option<String> {
    [
        "EMULATOR_DYNAMODB_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}
