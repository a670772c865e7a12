//! The base URL the caller reached the API at, for links the API mails out.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::HOST;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use std::convert::Infallible;

/// `PUBLIC_BASE_URL` when it is set. Otherwise, on Lambda, `https://` and the domain API
/// Gateway received the request on (its own or the custom domain): API Gateway fills that in,
/// not the client, so a forged `Host` cannot put another site's address into a mail. The dev
/// server has no such context and uses the `Host` header; `make run` sets `PUBLIC_BASE_URL`.
pub struct PublicBaseUrl(pub String);

/// `PUBLIC_BASE_URL` as configured, from a router's state.
#[derive(Clone, Debug, Default)]
pub struct ConfiguredBaseUrl(pub Option<String>);

impl<S> FromRequestParts<S> for PublicBaseUrl
where
    S: Send + Sync,
    ConfiguredBaseUrl: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let host = parts.headers.get(HOST).and_then(|host| host.to_str().ok());
        let context = parts.extensions.get::<RequestContext>();
        let configured = ConfiguredBaseUrl::from_ref(state);
        Ok(Self(public_base_url(configured.0.as_deref(), context, host)))
    }
}

fn public_base_url(configured: Option<&str>, context: Option<&RequestContext>, host: Option<&str>) -> String {
    if let Some(configured) = configured {
        return configured.to_owned();
    }
    let gateway_domain = context.and_then(|context| match context {
        RequestContext::ApiGatewayV2(context) => context.domain_name.as_deref(),
        RequestContext::ApiGatewayV1(context) => context.domain_name.as_deref(),
        _ => None,
    });
    match gateway_domain {
        Some(domain) => format!("https://{domain}"),
        None => format!("http://{}", host.unwrap_or("127.0.0.1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;

    fn gateway(domain: &str) -> RequestContext {
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.domain_name = Some(domain.to_owned());
        RequestContext::ApiGatewayV2(context)
    }

    #[test]
    fn the_configured_base_wins() {
        let context = gateway("abc.execute-api.us-east-1.amazonaws.com");
        assert_eq!(
            public_base_url(Some("https://foof.example.edu"), Some(&context), Some("evil.example")),
            "https://foof.example.edu"
        );
    }

    #[test]
    fn on_lambda_the_gateway_domain_is_used_and_the_host_header_is_not() {
        let context = gateway("api.foof.example.edu");
        assert_eq!(
            public_base_url(None, Some(&context), Some("evil.example")),
            "https://api.foof.example.edu"
        );
    }

    #[test]
    fn without_a_gateway_the_dev_server_uses_its_host() {
        assert_eq!(
            public_base_url(None, None, Some("127.0.0.1:4000")),
            "http://127.0.0.1:4000"
        );
    }
}
