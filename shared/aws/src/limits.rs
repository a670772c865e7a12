//! Fixed-window counters in DynamoDB: `{prefix}-limits` keyed by `key`, holding `count`,
//! `windowStart` (ms) and `ttl`. A hit is one conditional `UpdateItem`; only a hit that finds
//! the window over (or the key new) costs a second one that starts a new window.

use super::attributes::{n, number, optional_number, s};
use super::errors::unavailable;
use super::update::{ConditionalUpdate, Updated};
use crate::Tables;
use async_trait::async_trait;
use foof_domain::ports::{BackendResult, Limit, RateLimiter};

/// Rounds of "the window is over, start a new one" that lose to another hit doing the same
/// before this hit is refused; each lost round means other requests are being counted.
const WINDOW_STARTS: usize = 3;

pub struct DynamoLimits {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoLimits {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("limits"),
        }
    }

    fn update(&self, key: &str, update: &str) -> ConditionalUpdate {
        ConditionalUpdate::new(&self.table, "key", s(key), update)
    }

    /// Counts the hit in the current window; `Err(window_open)` when refused, saying whether
    /// the window is still running (then the key is at its limit).
    async fn count(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<Result<(), bool>> {
        let update = self
            .update(key, "ADD #count :one")
            .when("windowStart > :windowOpen AND #count < :max")
            .name("#count", "count")
            .value(":one", n(1))
            .value(":windowOpen", n(now_ms - limit.window_ms))
            .value(":max", n(i64::from(limit.max)));
        let current = match update.send(&self.client).await? {
            Updated::Applied(_) => return Ok(Ok(())),
            Updated::Refused(current) => current,
        };
        let window_open =
            optional_number(&current, "windowStart")?.is_some_and(|start| start > now_ms - limit.window_ms);
        Ok(Err(window_open))
    }

    /// Starts a new window holding this hit; `false` if another hit started one first.
    async fn start_window(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        let update = self
            .update(key, "SET #count = :one, windowStart = :now, #ttl = :ttl")
            .when("attribute_not_exists(windowStart) OR windowStart <= :windowOpen")
            .name("#count", "count")
            .name("#ttl", "ttl")
            .value(":one", n(1))
            .value(":now", n(now_ms))
            .value(":ttl", n((now_ms + limit.window_ms) / 1000 + 60))
            .value(":windowOpen", n(now_ms - limit.window_ms));
        Ok(matches!(update.send(&self.client).await?, Updated::Applied(_)))
    }
}

#[async_trait]
impl RateLimiter for DynamoLimits {
    async fn hit(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        for _ in 0..WINDOW_STARTS {
            match self.count(key, limit, now_ms).await? {
                Ok(()) => return Ok(true),
                Err(true) => return Ok(false),
                // The window is over: start the next one, unless another hit just did.
                Err(false) if self.start_window(key, limit, now_ms).await? => return Ok(true),
                Err(false) => {}
            }
        }
        Ok(false)
    }

    async fn exceeded(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("key", s(key))
            .send()
            .await
            .map_err(unavailable)?;
        let Some(row) = reply.item else {
            return Ok(false);
        };
        Ok(number(&row, "windowStart")? > now_ms - limit.window_ms && number(&row, "count")? >= i64::from(limit.max))
    }

    async fn refund(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<()> {
        // Refused when the window has ended or holds nothing: then there is nothing to take back.
        self.update(key, "ADD #count :minusOne")
            .when("windowStart > :windowOpen AND #count > :zero")
            .name("#count", "count")
            .value(":minusOne", n(-1))
            .value(":zero", n(0))
            .value(":windowOpen", n(now_ms - limit.window_ms))
            .send(&self.client)
            .await
            .map(drop)
    }
}
