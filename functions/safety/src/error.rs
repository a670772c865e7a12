//! The safety group's failures, and the reply for each (docs/api.md, "Trust and safety").

use foof_domain::ports::BackendError;
use foof_shared::ApiError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SafetyError {
    #[error("malformed or missing input")]
    InvalidRequest,
    #[error("a user reported themselves")]
    SelfReport,
    #[error("a user blocked themselves")]
    SelfBlock,
    #[error("the reporter filed too many reports today")]
    TooFrequent,
    #[error("the user blocks as many users as anyone may")]
    TooManyBlocks,
    #[error("no such user")]
    NoSuchUser,
    #[error("no such item")]
    NoSuchItem,
    #[error("no such message addressed to the reporter")]
    NoSuchMessage,
    #[error("no such report")]
    NoSuchReport,
    #[error("the report was resolved already")]
    AlreadyResolved,
    #[error("only moderators may do this")]
    NotModerator,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<SafetyError> for ApiError {
    fn from(error: SafetyError) -> Self {
        match error {
            SafetyError::InvalidRequest => ApiError::InvalidRequest,
            SafetyError::SelfReport => ApiError::Failure("cannot report yourself"),
            SafetyError::SelfBlock => ApiError::Failure("cannot block yourself"),
            SafetyError::TooFrequent => ApiError::Failure("request too frequent"),
            SafetyError::TooManyBlocks => ApiError::Failure("too many blocks"),
            SafetyError::NoSuchUser => ApiError::Failure("no such user"),
            SafetyError::NoSuchItem => ApiError::Failure("no such item"),
            SafetyError::NoSuchMessage => ApiError::Failure("no such message"),
            SafetyError::NoSuchReport => ApiError::Failure("no such report"),
            SafetyError::AlreadyResolved => ApiError::Failure("report already resolved"),
            SafetyError::NotModerator => ApiError::Failure("Insufficient permissions"),
            SafetyError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}
