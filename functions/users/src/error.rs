//! The users group's failures, and the spec's reply for each.

use foof_domain::ports::BackendError;
use foof_shared::ApiError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum UserError {
    #[error("malformed or missing input")]
    InvalidRequest,
    #[error("no account has this phone number")]
    UserNotFound,
    #[error("wrong password")]
    PasswordIncorrect,
    #[error("a password change from an older login needs the old password")]
    OldPasswordRequired,
    #[error("wrong, expired or exhausted verification code")]
    BadVerifyCode,
    #[error("the phone number is registered already")]
    PhoneTaken,
    #[error("a code was sent too recently or too often")]
    TooFrequent,
    #[error("a moderator suspended the account")]
    Suspended,
    #[error("no user has this uuid")]
    NoSuchUser,
    #[error("the token's user no longer exists")]
    Forbidden,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::InvalidRequest => ApiError::InvalidRequest,
            UserError::UserNotFound => ApiError::Failure("user not found"),
            UserError::PasswordIncorrect => ApiError::Failure("password incorrect"),
            UserError::OldPasswordRequired => ApiError::Failure("old password required"),
            UserError::BadVerifyCode => ApiError::Failure("bad verify code"),
            UserError::PhoneTaken => ApiError::Failure("phone number already token"),
            UserError::TooFrequent => ApiError::Failure("request too frequent"),
            UserError::Suspended => ApiError::Failure("account suspended"),
            UserError::NoSuchUser => ApiError::Failure("no such user"),
            UserError::Forbidden => ApiError::Forbidden,
            UserError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}
