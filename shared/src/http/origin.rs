//! The base URL the caller reached the API at, for links the API mails out.

use crate::app::App;
use axum::extract::FromRequestParts;
use axum::http::header::HOST;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use std::convert::Infallible;

/// `PUBLIC_BASE_URL` when it is set. Otherwise, on Lambda, `https://` and the domain API
/// Gateway received the request on (its own or the custom domain): API Gateway fills that in,
/// not the client, so a forged `Host` cannot put another site's address into a mail. The dev
/// server has no such context and uses the `Host` header; `make run` sets `PUBLIC_BASE_URL`.
pub struct PublicBaseUrl(pub String);

impl FromRequestParts<App> for PublicBaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Infallible> {
        if let Some(configured) = &app.config.public_base_url {
            return Ok(Self(configured.clone()));
        }
        let gateway_domain = parts.extensions.get::<RequestContext>().and_then(|context| match context {
            RequestContext::ApiGatewayV2(context) => context.domain_name.clone(),
            RequestContext::ApiGatewayV1(context) => context.domain_name.clone(),
            _ => None,
        });
        let base = match gateway_domain {
            Some(domain) => format!("https://{domain}"),
            None => {
                let host = parts.headers.get(HOST).and_then(|host| host.to_str().ok()).unwrap_or("127.0.0.1");
                format!("http://{host}")
            }
        };
        Ok(Self(base))
    }
}
