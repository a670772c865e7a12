//! The trades group's failures, and the spec's reply for each.

use foof_domain::ports::BackendError;
use foof_shared::ApiError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TradeError {
    #[error("malformed or missing input, or the item is not in a state to reset")]
    InvalidRequest,
    #[error("the item cannot be ordered")]
    NotForTrade,
    #[error("the item cannot be traded")]
    NotAvailable,
    #[error("only the owner (or the buyer, or the recipient) may do this")]
    NotPermitted,
    #[error("no such user")]
    NoSuchUser,
    #[error("no such item")]
    NoSuchItem,
    #[error("no such message")]
    NoSuchMessage,
    #[error("the trade is not finished")]
    NotFinished,
    #[error("this side of the trade rated it already")]
    AlreadyRated,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<TradeError> for ApiError {
    fn from(error: TradeError) -> Self {
        match error {
            TradeError::InvalidRequest => ApiError::InvalidRequest,
            TradeError::NotForTrade => ApiError::Failure("not for trade"),
            TradeError::NotAvailable => ApiError::Failure("item not availabe for trade"),
            TradeError::NotPermitted => ApiError::Failure("Insufficient permissions"),
            TradeError::NoSuchUser => ApiError::Failure("no such user"),
            TradeError::NoSuchItem => ApiError::Failure("no such item"),
            TradeError::NoSuchMessage => ApiError::Failure("no such message"),
            TradeError::NotFinished => ApiError::Failure("trade not finished"),
            TradeError::AlreadyRated => ApiError::Failure("already rated"),
            TradeError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}
