//! The login token, from `Authorization: Bearer …` or the body field `token` (any format).

use super::fields::Fields;
use super::sessions::Sessions;
use crate::error::ApiError;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use foof_domain::ids::UserId;
use foof_domain::tokens::TokenService;
use std::sync::Arc;

/// A request whose login token is valid and current (its user exists, and no password reset
/// or change has ended it), with its parsed fields.
pub struct Authed {
    /// The token's user.
    pub user: UserId,
    /// Which of the user's logins this token is.
    pub login: i64,
    /// When this login proved the password: recent enough, it may change the password alone.
    pub logged_in_at_ms: i64,
    pub fields: Fields,
}

/// Any router whose state can hand out the token service can take `Authed` requests.
impl<S> FromRequest<S> for Authed
where
    S: Send + Sync,
    Arc<TokenService>: FromRef<S>,
    Arc<Sessions>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bearer = bearer(&request);
        let fields = Fields::from_request(request, state).await?;
        let token = match bearer {
            Some(token) => token,
            None => fields
                .text("token")
                .map_err(|_| ApiError::Forbidden)?
                .ok_or(ApiError::Forbidden)?,
        };
        let claim = Arc::<TokenService>::from_ref(state)
            .verify_login(&token)
            .map_err(|_| ApiError::Forbidden)?;
        if !Arc::<Sessions>::from_ref(state).current(claim).await? {
            return Err(ApiError::Forbidden);
        }
        Ok(Self {
            user: claim.user,
            login: claim.login,
            logged_in_at_ms: claim.logged_in_at_ms,
            fields,
        })
    }
}

fn bearer(request: &Request) -> Option<String> {
    bearer_token(request.headers()).map(str::to_owned)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// The user of a valid `Authorization: Bearer` login token, for a GET that anyone may make and
/// that a login only tailors; as [`MaybeAuthed`], a bad token is nobody.
pub fn bearer_user(headers: &HeaderMap, tokens: &TokenService) -> Option<UserId> {
    let claim = tokens.verify_login(bearer_token(headers)?).ok()?;
    Some(claim.user)
}

/// A request to a route that anyone may call, and that a login only tailors (search leaves out
/// the listings of users the searcher blocks): the token's user if a valid one came, as
/// `Authed` takes it, else nobody. A bad or expired token is no login, not a refusal. Whether
/// the token is still current is not checked: it only decides what its holder is shown.
pub struct MaybeAuthed {
    pub user: Option<UserId>,
    pub fields: Fields,
}

impl<S> FromRequest<S> for MaybeAuthed
where
    S: Send + Sync,
    Arc<TokenService>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bearer = bearer(&request);
        let fields = Fields::from_request(request, state).await?;
        let token = bearer.or_else(|| fields.text("token").ok().flatten());
        let user = token
            .and_then(|token| Arc::<TokenService>::from_ref(state).verify_login(&token).ok())
            .map(|claim| claim.user);
        Ok(Self { user, fields })
    }
}
