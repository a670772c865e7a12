//! The login token, from `Authorization: Bearer …` or the body field `token` (any format).

use super::fields::Fields;
use crate::error::ApiError;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::AUTHORIZATION;
use foof_domain::ids::UserId;
use foof_domain::tokens::TokenService;
use std::sync::Arc;

/// A request whose login token is valid, with its parsed fields. It proves only the token; an
/// endpoint that must know the user still exists checks that in the same call it makes anyway.
pub struct Authed {
    /// The token's user.
    pub user: UserId,
    pub fields: Fields,
}

/// Any router whose state can hand out the token service can take `Authed` requests.
impl<S> FromRequest<S> for Authed
where
    S: Send + Sync,
    Arc<TokenService>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bearer = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let fields = Fields::from_request(request, state).await?;
        let token = match bearer {
            Some(token) => token,
            None => fields
                .text("token")
                .map_err(|_| ApiError::Forbidden)?
                .ok_or(ApiError::Forbidden)?,
        };
        let tokens = Arc::<TokenService>::from_ref(state);
        let user = tokens.verify_login(&token).map_err(|_| ApiError::Forbidden)?;
        Ok(Self { user, fields })
    }
}
