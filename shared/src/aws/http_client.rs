//! The one HTTPS client every AWS SDK client shares: hyper + rustls with the ring provider
//! (the SDK's default would link AWS-LC, which alone is a sixth of a function's binary).

use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Builder;
use aws_sdk_dynamodb::config::SharedHttpClient;

pub fn https_client() -> SharedHttpClient {
    Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}
