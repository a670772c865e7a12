//! SDK errors as the domain sees them.

use crate::ports::BackendError;
use aws_smithy_types::error::display::DisplayErrorContext;

pub(crate) fn unavailable<E: std::error::Error>(error: E) -> BackendError {
    BackendError::Unavailable(DisplayErrorContext(error).to_string())
}

pub(crate) fn corrupt(what: impl Into<String>) -> BackendError {
    BackendError::Corrupt(what.into())
}

/// Whether an `UpdateItem` was refused because its condition did not hold.
pub(crate) fn condition_failed<R>(
    error: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
) -> bool {
    matches!(error, aws_sdk_dynamodb::error::SdkError::ServiceError(e) if e.err().is_conditional_check_failed_exception())
}
