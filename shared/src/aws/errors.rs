//! SDK errors as the domain sees them.

use crate::ports::BackendError;
use aws_smithy_types::error::display::DisplayErrorContext;

pub(crate) fn unavailable<E: std::error::Error>(error: E) -> BackendError {
    BackendError::Unavailable(DisplayErrorContext(error).to_string())
}

pub(crate) fn corrupt(what: impl Into<String>) -> BackendError {
    BackendError::Corrupt(what.into())
}
