//! The chats group's failures, and the spec's reply for each.

use foof_domain::ports::BackendError;
use foof_shared::ApiError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ChatError {
    #[error("malformed or missing input")]
    InvalidRequest,
    #[error("the recipient does not exist")]
    NoSuchUser,
    #[error("the sender pushed too many messages in the window")]
    TooFrequent,
    /// The recipient blocks the sender; the reply does not say so.
    #[error("the recipient blocks the sender")]
    Blocked,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::InvalidRequest => ApiError::InvalidRequest,
            ChatError::NoSuchUser => ApiError::Failure("no such user"),
            ChatError::TooFrequent => ApiError::Failure("request too frequent"),
            ChatError::Blocked => ApiError::Failure("message refused"),
            ChatError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}
