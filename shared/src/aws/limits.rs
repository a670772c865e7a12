//! Fixed-window counters in DynamoDB: `{prefix}-limits` keyed by `key`, holding `count`,
//! `windowStart` (ms) and `ttl`. A hit is one conditional `UpdateItem`; only a hit that finds
//! the window over (or the key new) costs a second one that starts a new window.

use super::attributes::{n, number, s};
use super::errors::{condition_failed, unavailable};
use crate::config::Config;
use crate::ports::{BackendResult, Limit, RateLimiter};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

pub struct DynamoLimits {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoLimits {
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config) -> Self {
        Self {
            client,
            table: config.table("limits"),
        }
    }

    async fn start_window(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(key))
            .update_expression("SET #count = :one, windowStart = :now, #ttl = :ttl")
            .condition_expression("attribute_not_exists(windowStart) OR windowStart <= :windowOpen")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":ttl", n((now_ms + limit.window_ms) / 1000 + 60))
            .expression_attribute_values(":windowOpen", n(now_ms - limit.window_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            // Another hit started the window first: count this one in it.
            Err(e) if condition_failed(&e) => Box::pin(self.hit(key, limit, now_ms)).await,
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl RateLimiter for DynamoLimits {
    async fn hit(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(key))
            .update_expression("ADD #count :one")
            .condition_expression("windowStart > :windowOpen AND #count < :max")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":windowOpen", n(now_ms - limit.window_ms))
            .expression_attribute_values(":max", n(i64::from(limit.max)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let current = match result {
            Ok(_) => return Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => failed.item.unwrap_or_default(),
                other => return Err(unavailable(other)),
            },
            Err(e) => return Err(unavailable(e)),
        };
        let window_open = current
            .get("windowStart")
            .map(|_| number(&current, "windowStart"))
            .transpose()?
            .is_some_and(|start| start > now_ms - limit.window_ms);
        if window_open {
            return Ok(false);
        }
        self.start_window(key, limit, now_ms).await
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
}
