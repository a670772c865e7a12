//! What a router is built on: the function's use cases, and what `Authed` checks logins with
//! (the token service, and whether a token is still current).

use super::sessions::Sessions;
use axum::extract::FromRef;
use foof_domain::tokens::TokenService;
use std::ops::Deref;
use std::sync::Arc;

pub struct AppState<T> {
    pub tokens: Arc<TokenService>,
    pub sessions: Arc<Sessions>,
    pub use_cases: Arc<T>,
}

impl<T> AppState<T> {
    pub fn new(tokens: Arc<TokenService>, sessions: Arc<Sessions>, use_cases: T) -> Self {
        Self {
            tokens,
            sessions,
            use_cases: Arc::new(use_cases),
        }
    }
}

// Not derived: a derive would ask for `T: Clone`, and only the `Arc`s are cloned.
impl<T> Clone for AppState<T> {
    fn clone(&self) -> Self {
        Self {
            tokens: self.tokens.clone(),
            sessions: self.sessions.clone(),
            use_cases: self.use_cases.clone(),
        }
    }
}

impl<T> Deref for AppState<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.use_cases
    }
}

impl<T> FromRef<AppState<T>> for Arc<TokenService> {
    fn from_ref(state: &AppState<T>) -> Self {
        state.tokens.clone()
    }
}

impl<T> FromRef<AppState<T>> for Arc<Sessions> {
    fn from_ref(state: &AppState<T>) -> Self {
        state.sessions.clone()
    }
}
