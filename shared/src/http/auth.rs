//! The login token, from `Authorization: Bearer …` or the body field `token` (any format).

use super::fields::Fields;
use crate::app::App;
use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::header::AUTHORIZATION;

/// A request whose login token is valid, with its parsed fields. It proves only the token; an
/// endpoint that must know the user still exists checks that in the same call it makes anyway.
pub struct Authed {
    pub uuid: i64,
    pub fields: Fields,
}

impl FromRequest<App> for Authed {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &App) -> Result<Self, ApiError> {
        let bearer = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let fields = Fields::from_request(request, app).await?;
        let token = match bearer {
            Some(token) => token,
            None => fields
                .text("token")
                .map_err(|_| ApiError::Forbidden)?
                .ok_or(ApiError::Forbidden)?,
        };
        let uuid = app.tokens.verify_login(&token).map_err(|_| ApiError::Forbidden)?;
        Ok(Self { uuid, fields })
    }
}
