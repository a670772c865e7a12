//! The caller's network address, for per-source abuse limits: API Gateway's `sourceIp` on
//! Lambda, the peer address in the dev server. Client-supplied headers are not trusted.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use std::convert::Infallible;
use std::net::SocketAddr;

pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let from_gateway = parts
            .extensions
            .get::<RequestContext>()
            .and_then(|context| match context {
                RequestContext::ApiGatewayV2(context) => context.http.source_ip.clone(),
                RequestContext::ApiGatewayV1(context) => context.identity.source_ip.clone(),
                _ => None,
            });
        let from_socket = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        };
        Ok(Self(
            from_gateway
                .or_else(from_socket)
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}
