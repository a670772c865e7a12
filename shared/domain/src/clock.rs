//! Time as a port, so that expiry rules can be tested without waiting.

#[cfg(any(test, feature = "test-util"))]
use std::sync::atomic::{AtomicI64, Ordering};
#[cfg(any(test, feature = "test-util"))]
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that starts at the real time and moves only when told to.
#[cfg(any(test, feature = "test-util"))]
pub struct ManualClock(AtomicI64);

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    pub fn starting_now() -> Self {
        Self(AtomicI64::new(SystemClock.now_ms()))
    }

    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
