//! SDK errors as the domain sees them.

use crate::ports::BackendError;
use aws_smithy_types::error::display::DisplayErrorContext;

pub(crate) fn unavailable<E: std::error::Error>(error: E) -> BackendError {
    BackendError::Unavailable(DisplayErrorContext(error).to_string())
}

pub(crate) fn corrupt(what: impl Into<String>) -> BackendError {
    BackendError::Corrupt(what.into())
}

/// A request the SDK refused to build (a required field is missing): a bug in an adapter,
/// reported like stored data this code cannot use.
impl From<aws_smithy_types::error::operation::BuildError> for BackendError {
    fn from(error: aws_smithy_types::error::operation::BuildError) -> Self {
        corrupt(error.to_string())
    }
}
