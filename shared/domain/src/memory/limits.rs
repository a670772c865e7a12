//! The `limits` table: fixed-window counters per key, as `foof_aws::DynamoLimits` keeps them.

use super::InMemory;
use crate::ports::{BackendResult, Limit, RateLimiter};
use async_trait::async_trait;

pub(super) struct Window {
    count: i64,
    start_ms: i64,
}

impl Window {
    /// A window stays open for `window_ms` after its first hit.
    fn open(&self, limit: Limit, now_ms: i64) -> bool {
        self.start_ms > now_ms.saturating_sub(limit.window_ms)
    }
}

#[async_trait]
impl RateLimiter for InMemory {
    /// The first hit of a window always counts, even with `max` 0: the adapter starts a
    /// window with the hit in it.
    async fn hit(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        let mut tables = self.lock();
        match tables.limits.get_mut(key) {
            Some(window) if window.open(limit, now_ms) => {
                let counted = window.count < i64::from(limit.max);
                if counted {
                    window.count += 1;
                }
                Ok(counted)
            }
            _ => {
                let window = Window {
                    count: 1,
                    start_ms: now_ms,
                };
                tables.limits.insert(key.to_owned(), window);
                Ok(true)
            }
        }
    }

    async fn exceeded(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        Ok(self
            .lock()
            .limits
            .get(key)
            .is_some_and(|window| window.open(limit, now_ms) && window.count >= i64::from(limit.max)))
    }

    async fn refund(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<()> {
        if let Some(window) = self.lock().limits.get_mut(key)
            && window.open(limit, now_ms)
            && window.count > 0
        {
            window.count -= 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        max: 2,
        window_ms: 1000,
    };

    #[tokio::test]
    async fn a_window_counts_up_to_its_limit_then_refuses_until_it_is_over() {
        let limits = InMemory::new().limits();
        assert!(!limits.exceeded("k", LIMIT, 0).await.unwrap());
        assert!(limits.hit("k", LIMIT, 0).await.unwrap());
        assert!(limits.hit("k", LIMIT, 500).await.unwrap());
        assert!(limits.exceeded("k", LIMIT, 999).await.unwrap());
        assert!(!limits.hit("k", LIMIT, 999).await.unwrap());
        assert!(limits.hit("other", LIMIT, 999).await.unwrap(), "keys are separate");
        assert!(
            !limits.exceeded("k", LIMIT, 1000).await.unwrap(),
            "the window is fixed, not sliding"
        );
        assert!(limits.hit("k", LIMIT, 1000).await.unwrap());
        assert!(limits.hit("k", LIMIT, 1001).await.unwrap());
        assert!(!limits.hit("k", LIMIT, 1999).await.unwrap());
    }

    #[tokio::test]
    async fn a_refused_hit_does_not_extend_the_window() {
        let limits = InMemory::new().limits();
        let one = Limit { max: 1, window_ms: 100 };
        assert!(limits.hit("k", one, 0).await.unwrap());
        for at in [10, 50, 99] {
            assert!(!limits.hit("k", one, at).await.unwrap());
        }
        assert!(limits.hit("k", one, 100).await.unwrap());
    }

    #[tokio::test]
    async fn a_refund_frees_one_event_of_the_current_window_only() {
        let limits = InMemory::new().limits();
        assert!(limits.hit("k", LIMIT, 0).await.unwrap());
        assert!(limits.hit("k", LIMIT, 0).await.unwrap());
        assert!(!limits.hit("k", LIMIT, 0).await.unwrap());
        limits.refund("k", LIMIT, 10).await.unwrap();
        assert!(limits.hit("k", LIMIT, 10).await.unwrap());
        limits.refund("k", LIMIT, 5_000).await.unwrap();
        limits.refund("missing", LIMIT, 0).await.unwrap();
        assert!(limits.hit("k", LIMIT, 5_000).await.unwrap());
    }
}
