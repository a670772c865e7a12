#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    foof_shared::http::run_lambda(foof_favorites::router, foof_shared::app::LoginTokens::Verified).await
}
