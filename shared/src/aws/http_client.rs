//! The one HTTPS client every AWS SDK client shares: hyper + rustls with the ring provider
//! (the SDK's default links AWS-LC: 1.3 MiB of the 11.7 MiB of code in the `users` function
//! as measured with cargo-bloat before this change).

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
