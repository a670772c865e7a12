// The allocator is the binary's choice: a request allocates thousands of small objects (SDK
// builders, attribute maps, JSON), where mimalloc is measurably cheaper (docs/build.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    foof_shared::http::run_lambda(
        foof_search::router,
        foof_shared::app::LoginTokens::Verified,
        foof_shared::warm::Connections::DynamoDbWithPostings,
    )
    .await
}
