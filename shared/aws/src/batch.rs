//! BatchWriteItem / BatchGetItem with the API's size limits and its "unprocessed" retries.

use super::attributes::{Row, n};
use super::errors::{Built, unavailable};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use foof_domain::ports::{BackendError, BackendResult};
use std::collections::HashMap;
use std::time::Duration;

/// BatchWriteItem takes at most 25 requests.
const WRITE_CHUNK: usize = 25;
/// Unprocessed items are retried this many times (with a short backoff) before giving up.
const RETRIES: u32 = 4;

pub(crate) fn put(row: Row) -> BackendResult<WriteRequest> {
    let put = PutRequest::builder().set_item(Some(row)).build().built()?;
    Ok(WriteRequest::builder().put_request(put).build())
}

pub(crate) fn delete(key: Row) -> BackendResult<WriteRequest> {
    let delete = DeleteRequest::builder().set_key(Some(key)).build().built()?;
    Ok(WriteRequest::builder().delete_request(delete).build())
}

pub(crate) async fn write_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    requests: Vec<WriteRequest>,
) -> BackendResult<()> {
    for chunk in requests.chunks(WRITE_CHUNK) {
        let mut pending = HashMap::from([(table.to_owned(), chunk.to_vec())]);
        for attempt in 0..=RETRIES {
            let reply = client
                .batch_write_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(unavailable)?;
            pending = reply.unprocessed_items.unwrap_or_default();
            pending.retain(|_, requests| !requests.is_empty());
            if pending.is_empty() {
                break;
            }
            if attempt == RETRIES {
                return Err(BackendError::Unavailable(
                    "DynamoDB left batch writes unprocessed".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
        }
    }
    Ok(())
}

/// One BatchGetItem over several tables (at most 100 keys in all), retrying unprocessed keys.
pub(crate) async fn get_all(
    client: &aws_sdk_dynamodb::Client,
    requests: HashMap<String, KeysAndAttributes>,
) -> BackendResult<HashMap<String, Vec<Row>>> {
    let mut found: HashMap<String, Vec<Row>> = HashMap::new();
    let mut pending = requests;
    for attempt in 0..=RETRIES {
        let reply = client
            .batch_get_item()
            .set_request_items(Some(pending))
            .send()
            .await
            .map_err(unavailable)?;
        for (table, rows) in reply.responses.unwrap_or_default() {
            found.entry(table).or_default().extend(rows);
        }
        pending = reply.unprocessed_keys.unwrap_or_default();
        pending.retain(|_, keys| !keys.keys.is_empty());
        if pending.is_empty() {
            return Ok(found);
        }
        if attempt < RETRIES {
            tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
        }
    }
    Err(BackendError::Unavailable(
        "DynamoDB left batch reads unprocessed".into(),
    ))
}

/// The rows whose numeric key `key` is one of `ids` (absent ones are skipped), in any order:
/// one BatchGetItem per 100 ids, in parallel. `fields` limits what is read of each row (all
/// of it when empty).
pub(crate) async fn get_by_ids(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
    ids: &[impl Copy + Into<i64> + Sync],
    fields: &[&str],
) -> BackendResult<Vec<Row>> {
    let batches = ids.chunks(100).map(|chunk| async move {
        let keys = chunk
            .iter()
            .map(|id| Row::from([(key.to_owned(), n((*id).into()))]))
            .collect();
        let mut request = KeysAndAttributes::builder().set_keys(Some(keys));
        if !fields.is_empty() {
            // Placeholders, so that no field name can collide with a DynamoDB reserved word.
            let names: Vec<String> = (0..fields.len()).map(|i| format!("#f{i}")).collect();
            request = request
                .projection_expression(names.join(", "))
                .set_expression_attribute_names(Some(
                    names.into_iter().zip(fields.iter().map(|f| (*f).to_owned())).collect(),
                ));
        }
        let request = request.build().built()?;
        let mut found = get_all(client, HashMap::from([(table.to_owned(), request)])).await?;
        Ok::<_, BackendError>(found.remove(table).unwrap_or_default())
    });
    Ok(futures_util::future::try_join_all(batches)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// One row by its key, strongly consistent.
pub(crate) async fn get_one(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
    value: AttributeValue,
) -> BackendResult<Option<Row>> {
    let reply = client
        .get_item()
        .table_name(table)
        .key(key, value)
        .consistent_read(true)
        .send()
        .await
        .map_err(unavailable)?;
    Ok(reply.item)
}
