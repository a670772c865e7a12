//! Counts the AWS operations this process makes (one per call, whatever its retries), so that
//! benchmarks can put "AWS calls per request" next to the minimum `docs/data-model.md` claims.

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use std::sync::atomic::{AtomicU64, Ordering};

static CALLS: AtomicU64 = AtomicU64::new(0);

/// AWS operations started by this process so far.
pub fn aws_calls() -> u64 {
    CALLS.load(Ordering::Relaxed)
}

#[derive(Debug)]
pub(crate) struct CountCalls;

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "CountCalls"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        CALLS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
