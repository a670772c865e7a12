// The allocator is the binary's choice, as in every function (docs/build.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use foof_compactor::{StreamEvent, compact};
use foof_shared::app::{Adapters, LoginTokens};
use foof_shared::observability::init_logging;
use lambda_runtime::{LambdaEvent, service_fn};

/// Builds the compactor once (cold start), then folds the terms each stream batch names.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let adapters = Adapters::from_env(LoginTokens::NotUsed).await?;
    adapters
        .open(foof_shared::warm::Connections::DynamoDbWithPostings)
        .await;
    let compactor = adapters.compactor();
    lambda_runtime::run(service_fn(|event: LambdaEvent<StreamEvent>| {
        let compactor = compactor.clone();
        async move {
            let pass = compact(compactor.as_ref(), &event.payload.records).await?;
            tracing::info!(packed = pass.packed, left = pass.left, "compaction pass");
            Ok::<_, lambda_runtime::Error>(pass)
        }
    }))
    .await
}
