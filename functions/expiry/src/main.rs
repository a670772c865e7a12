// The allocator is the binary's choice, as in every function (docs/build.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use foof_expiry::{Expiry, ScheduledEvent};
use foof_shared::app::{Adapters, LoginTokens};
use foof_shared::observability::init_logging;
use lambda_runtime::{LambdaEvent, service_fn};

/// Builds the sweep once (cold start), then runs it each time the schedule fires.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let adapters = Adapters::from_env(LoginTokens::NotUsed).await?;
    let (expiry, clock) = (
        Expiry::new(adapters.items(), adapters.config().listing_max_age),
        adapters.clock(),
    );
    lambda_runtime::run(service_fn(|event: LambdaEvent<ScheduledEvent>| {
        let now = event.payload.time_ms(clock.now_ms());
        let expiry = &expiry;
        async move { Ok::<_, lambda_runtime::Error>(expiry.sweep(now).await?) }
    }))
    .await
}
