//! The items group's failures, and the spec's reply for each.

use foof_domain::item::InvalidItem;
use foof_domain::ports::BackendError;
use foof_shared::ApiError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ItemError {
    #[error("malformed or missing input")]
    InvalidRequest,
    #[error("no such item, or it is deleted")]
    NoSuchItem,
    #[error("only the owner may do this")]
    NotOwner,
    /// `/item/modify` answers refusals with HTTP 403, as the original did.
    #[error("modify refused: {0}")]
    ModifyRefused(&'static str),
    #[error("the token's user no longer exists")]
    Forbidden,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<InvalidItem> for ItemError {
    fn from(_: InvalidItem) -> Self {
        ItemError::InvalidRequest
    }
}

impl From<ItemError> for ApiError {
    fn from(error: ItemError) -> Self {
        match error {
            ItemError::InvalidRequest => ApiError::InvalidRequest,
            ItemError::NoSuchItem => ApiError::Failure("no such item"),
            ItemError::NotOwner => ApiError::Failure("Insufficient permissions"),
            ItemError::ModifyRefused(info) => ApiError::Refused(info),
            ItemError::Forbidden => ApiError::Forbidden,
            ItemError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}
