//! SDK errors as the domain sees them.

use aws_smithy_types::error::display::DisplayErrorContext;
use foof_domain::ports::{BackendError, BackendResult};

pub(crate) fn unavailable<E: std::error::Error>(error: E) -> BackendError {
    BackendError::Unavailable(DisplayErrorContext(error).to_string())
}

pub(crate) fn corrupt(what: impl Into<String>) -> BackendError {
    BackendError::Corrupt(what.into())
}

/// A request the SDK refused to build (a required field is missing) is a bug in an adapter;
/// it is reported like stored data this code cannot use.
pub(crate) trait Built<T> {
    fn built(self) -> BackendResult<T>;
}

impl<T> Built<T> for Result<T, aws_smithy_types::error::operation::BuildError> {
    fn built(self) -> BackendResult<T> {
        self.map_err(|error| corrupt(error.to_string()))
    }
}
