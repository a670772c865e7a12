//! The API's error replies, mapped to HTTP in this one place.
//!
//! Business failures are HTTP 200 with `{"status":"failure","info":"…"}` (the client reads only
//! JSON bodies); auth failures 403; backend faults 503. Never a 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use foof_domain::ports::BackendError;
use serde_json::json;
use thiserror::Error;

pub const INVALID_REQUEST: &str = "invaild request";
pub const SERVER_FAILED: &str = "server failed";

#[derive(Debug, Error)]
pub enum ApiError {
    /// A documented business failure, with the spec's exact `info` string.
    #[error("{0}")]
    Failure(&'static str),
    /// Missing or malformed input.
    #[error("invalid request")]
    InvalidRequest,
    /// Missing, bad or expired token, or a token whose user is gone.
    #[error("forbidden")]
    Forbidden,
    /// HTTP 403 with the spec's `info` (`/item/modify` refusals, as the original).
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("no such route")]
    NotFound,
    #[error("request body over the limit")]
    PayloadTooLarge,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, info) = match &self {
            ApiError::Failure(info) => (StatusCode::OK, *info),
            ApiError::InvalidRequest => (StatusCode::OK, INVALID_REQUEST),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Refused(info) => (StatusCode::FORBIDDEN, *info),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request entity too large"),
            ApiError::Backend(cause) => {
                tracing::error!(error = %cause, "backend fault");
                (StatusCode::SERVICE_UNAVAILABLE, SERVER_FAILED)
            }
        };
        (status, Json(json!({"status": "failure", "info": info}))).into_response()
    }
}
