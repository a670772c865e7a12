//! Transactions that report which condition failed, and the existence check they share.

use super::attributes::{Row, n};
use super::errors::{Built, unavailable};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use foof_domain::ids::UserId;
use foof_domain::ports::{BackendError, BackendResult};

/// Why DynamoDB cancelled a transaction; nothing of it was applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cancelled {
    /// The condition of write `index` (the first such) did not hold; `old` is that row as it
    /// was, if the write asked for it (`ReturnValuesOnConditionCheckFailure`) and it exists.
    Condition { index: usize, old: Option<Row> },
    /// Another transaction was changing one of the same rows at that moment.
    Conflict,
}

/// How long [`transact`] waits before each retry of a transaction that met another one.
const CONFLICT_BACKOFF_MS: [u64; 3] = [10, 20, 40];

/// Runs the writes as one transaction. `Ok(None)`: all applied; `Ok(Some(i))`: nothing applied
/// because the condition of write `i` (the first such) did not hold.
///
/// A transaction that met another one on a shared row (the search statistics shards are shared
/// by unrelated documents) had nothing applied, so it is sent again, conditions and all, after
/// a short wait; only a conflict that outlasts the waits reaches the caller.
pub(crate) async fn transact(
    client: &aws_sdk_dynamodb::Client,
    writes: Vec<TransactWriteItem>,
) -> BackendResult<Option<usize>> {
    for wait_ms in CONFLICT_BACKOFF_MS.into_iter().map(Some).chain([None]) {
        match try_transact(client, writes.clone()).await? {
            Ok(()) => return Ok(None),
            Err(Cancelled::Condition { index, .. }) => return Ok(Some(index)),
            Err(Cancelled::Conflict) => match wait_ms {
                Some(ms) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
                None => break,
            },
        }
    }
    Err(conflicted())
}

/// A conflict that outlasted the retries: the caller answers 503 like any other backend failure.
pub(crate) fn conflicted() -> BackendError {
    BackendError::Unavailable("the transaction conflicted with another one".to_owned())
}

/// As [`transact`], telling a lost race on a row apart from an unmet condition.
pub(crate) async fn try_transact(
    client: &aws_sdk_dynamodb::Client,
    writes: Vec<TransactWriteItem>,
) -> BackendResult<Result<(), Cancelled>> {
    match client
        .transact_write_items()
        .set_transact_items(Some(writes))
        .send()
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(SdkError::ServiceError(e)) => match e.into_err() {
            TransactWriteItemsError::TransactionCanceledException(cancel) => {
                let reasons = cancel.cancellation_reasons();
                if let Some(index) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                    Ok(Err(Cancelled::Condition {
                        index,
                        old: reasons[index].item().cloned(),
                    }))
                } else if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
                    Ok(Err(Cancelled::Conflict))
                } else {
                    Err(unavailable(TransactWriteItemsError::TransactionCanceledException(
                        cancel,
                    )))
                }
            }
            other => Err(unavailable(other)),
        },
        Err(e) => Err(unavailable(e)),
    }
}

/// A transaction step that holds only if the user exists.
pub(crate) fn user_exists(users_table: &str, user: UserId) -> BackendResult<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(users_table)
        .key("uuid", n(user.get()))
        .condition_expression("attribute_exists(#uuid)")
        .expression_attribute_names("#uuid", "uuid")
        .build()
        .built()?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// A transaction step that stores `row` only if no row has its key yet (`key`: its partition
/// key attribute).
pub(crate) fn put_new(table: &str, row: Row, key: &str) -> BackendResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(row))
        .condition_expression("attribute_not_exists(#key)")
        .expression_attribute_names("#key", key)
        .build()
        .built()?;
    Ok(TransactWriteItem::builder().put(put).build())
}
