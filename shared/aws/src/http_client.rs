//! The one HTTPS client every AWS SDK client shares: hyper + rustls with the ring provider.
//! The SDK's default links AWS-LC, a large share of a function's code for crypto that ring
//! already does (sizes in docs/build.md).

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
