//! Sequential ids from an atomic counter: one `UpdateItem … ADD` per id. It is the one update
//! that has no condition, so it is the one that does not go through `ConditionalUpdate`.

use super::attributes::{n, number, s};
use super::batch::get_one;
use super::claims::COUNTER_VALUE;
use super::errors::{corrupt, unavailable};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::ReturnValue;
use foof_domain::ports::{BackendResult, IdAllocator};
use std::time::Duration;

/// A plain `ADD` on a counter row that an item add is claiming inside its transaction at that
/// moment (shared/aws/src/claims.rs) is refused with `TransactionConflict`, which the SDK does not
/// retry; nothing was applied, so it is safe to try again shortly.
const CONFLICT_RETRIES: u32 = 4;

pub struct DynamoIds {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoIds {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

#[async_trait]
impl IdAllocator for DynamoIds {
    async fn next_id(&self, sequence: &str) -> BackendResult<i64> {
        self.next_ids(sequence, 1).await
    }

    async fn next_ids(&self, sequence: &str, count: usize) -> BackendResult<i64> {
        let count = i64::try_from(count).map_err(|_| corrupt("id block too large"))?;
        let add = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("name", s(sequence))
            .update_expression("ADD #value :count")
            .expression_attribute_names("#value", COUNTER_VALUE)
            .expression_attribute_values(":count", n(count))
            .return_values(ReturnValue::UpdatedNew);
        let mut attempt = 0;
        loop {
            match add.clone().send().await {
                Ok(reply) => {
                    let attributes = reply
                        .attributes
                        .ok_or_else(|| corrupt("the counter update returned nothing"))?;
                    return Ok(number(&attributes, COUNTER_VALUE)? - count + 1);
                }
                Err(SdkError::ServiceError(e))
                    if e.err().is_transaction_conflict_exception() && attempt < CONFLICT_RETRIES =>
                {
                    tokio::time::sleep(Duration::from_millis(10 << attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
    }

    async fn issued(&self, sequence: &str) -> BackendResult<i64> {
        get_one(&self.client, &self.table, "name", s(sequence))
            .await?
            .as_ref()
            .map_or(Ok(0), |row| number(row, COUNTER_VALUE))
    }
}
