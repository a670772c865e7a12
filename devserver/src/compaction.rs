//! The postings table's stream, read from DynamoDB Local as Lambda's event source mapping reads
//! it on AWS, and handed to the compactor in batches: under `make run` postings are packed as
//! in the deployed stack. Every shard is read from its oldest record (folding is idempotent).

use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use foof_compactor::{StreamRecord, compact};
use foof_domain::ports::PostingCompactor;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How often the stream is read: Lambda's batching window is longer; this keeps `make run`'s
/// searches packed within a second or two.
const POLL: Duration = Duration::from_secs(1);
/// Records per read (the API's largest).
const BATCH: i32 = 1000;
/// Reads of one shard per pass, before the records read are folded.
const READS_PER_PASS: usize = 100;

/// A stream record in the shape Lambda delivers (the compactor reads only its keys).
fn as_event_record(record: &Record) -> Option<StreamRecord> {
    let keys = record.dynamodb()?.keys()?;
    let key = |name: &str| match keys.get(name)? {
        AttributeValue::S(text) => Some(json!({"S": text})),
        AttributeValue::N(number) => Some(json!({"N": number})),
        _ => None,
    };
    let shape: Value = json!({
        "eventName": record.event_name()?.as_str(),
        "dynamodb": {"Keys": {"term": key("term")?, "doc": key("doc")?}},
    });
    serde_json::from_value(shape).ok()
}

fn described(error: impl std::error::Error) -> String {
    aws_sdk_dynamodbstreams::error::DisplayErrorContext(error).to_string()
}

/// Follows the table's stream until the process ends; returns at once if it has none.
pub async fn follow(streams: Client, table: String, compactor: Arc<dyn PostingCompactor>) {
    let arn = match streams.list_streams().table_name(&table).send().await {
        Ok(listed) => listed.streams().first().and_then(|s| s.stream_arn()).map(str::to_owned),
        Err(error) => {
            tracing::warn!(%table, error = described(error), "no stream to compact from");
            None
        }
    };
    let Some(arn) = arn else {
        tracing::warn!(%table, "the postings table has no stream: postings stay unpacked (run the bootstrap again)");
        return;
    };
    let mut iterators: HashMap<String, String> = HashMap::new();
    let mut finished: HashSet<String> = HashSet::new();
    loop {
        if let Err(error) = pass(&streams, &arn, &mut iterators, &mut finished, compactor.as_ref()).await {
            tracing::warn!(%error, "a compaction pass failed; the next one reads the same records");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Where a shard's reading goes on from after a pass.
enum Advance {
    To(String),
    /// The shard is closed and read to its end.
    Closed,
    /// Its iterator was refused: take a fresh one.
    Dropped,
}

/// Reads every open shard up to what is waiting, and folds what the records name.
async fn pass(
    streams: &Client,
    arn: &str,
    iterators: &mut HashMap<String, String>,
    finished: &mut HashSet<String>,
    compactor: &dyn PostingCompactor,
) -> Result<(), String> {
    let description = streams
        .describe_stream()
        .stream_arn(arn)
        .send()
        .await
        .map_err(described)?;
    for shard in description.stream_description().map(|d| d.shards()).unwrap_or_default() {
        let Some(id) = shard.shard_id() else { continue };
        if iterators.contains_key(id) || finished.contains(id) {
            continue;
        }
        let iterator = streams
            .get_shard_iterator()
            .stream_arn(arn)
            .shard_id(id)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .map_err(described)?;
        if let Some(iterator) = iterator.shard_iterator() {
            iterators.insert(id.to_owned(), iterator.to_owned());
        }
    }
    // Everything waiting, read first and folded once: a bulk load names the same terms in
    // batch after batch, and each fold starts with a read of the term.
    let mut records = Vec::new();
    let mut advanced = Vec::new();
    for (shard, iterator) in iterators.clone() {
        let advance = read_shard(streams, &shard, iterator, &mut records).await;
        advanced.push((shard, advance));
    }
    if !records.is_empty() {
        let done = compact(compactor, &records).await.map_err(|e| e.to_string())?;
        tracing::debug!(
            records = records.len(),
            packed = done.packed,
            left = done.left,
            "compaction pass"
        );
    }
    // Only once the fold succeeded: a failed one reads the same records again.
    for (shard, advance) in advanced {
        match advance {
            Advance::To(next) => {
                iterators.insert(shard, next);
            }
            Advance::Closed => {
                iterators.remove(&shard);
                finished.insert(shard);
            }
            Advance::Dropped => {
                iterators.remove(&shard);
            }
        }
    }
    Ok(())
}

/// Reads one shard from `iterator` up to what is waiting (at most [`READS_PER_PASS`] reads),
/// adding what it holds to `records`, and says where the next pass goes on from.
async fn read_shard(streams: &Client, shard: &str, mut iterator: String, records: &mut Vec<StreamRecord>) -> Advance {
    for _ in 0..READS_PER_PASS {
        let read = match streams
            .get_records()
            .shard_iterator(&iterator)
            .limit(BATCH)
            .send()
            .await
        {
            Ok(read) => read,
            Err(error) => {
                // An iterator DynamoDB no longer honours (expired, or trimmed past): the next
                // pass takes a fresh one from the shard's oldest record.
                tracing::debug!(%shard, error = described(error), "stream iterator dropped");
                return Advance::Dropped;
            }
        };
        records.extend(read.records().iter().filter_map(as_event_record));
        let Some(next) = read.next_shard_iterator() else {
            return Advance::Closed;
        };
        iterator = next.to_owned();
        if read.records().is_empty() {
            break;
        }
    }
    Advance::To(iterator)
}
