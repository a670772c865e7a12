//! The compactor function: the postings table's stream names the rows that changed, and every
//! term with a new or changed delta is folded into its packed blocks (the folding itself is
//! `foof_aws::DynamoCompactor`). The dev server runs the same pass on DynamoDB Local's stream.

mod event;

pub use event::{StreamEvent, StreamRecord};

use foof_domain::ports::{BackendError, Folded, PostingCompactor};
use futures_util::StreamExt;
use serde::Serialize;

/// Terms folded at once: each fold is a few calls to the one table.
const CONCURRENT_FOLDS: usize = 8;

/// What one pass did, for the log and the invocation's reply.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Pass {
    /// Terms whose deltas were packed.
    pub packed: usize,
    /// Terms with too few deltas to be worth a rewrite yet.
    pub left: usize,
}

/// Folds every term the records name. A failure fails the pass, so that the stream hands the
/// batch over again; folding is idempotent, so terms already folded cost one read the second time.
pub async fn compact(compactor: &dyn PostingCompactor, records: &[StreamRecord]) -> Result<Pass, BackendError> {
    let terms: Vec<String> = event::changed_terms(records).into_iter().map(str::to_owned).collect();
    let outcomes: Vec<Result<Folded, BackendError>> = futures_util::stream::iter(terms)
        .map(|term| async move { compactor.compact(&term).await })
        .buffer_unordered(CONCURRENT_FOLDS)
        .collect()
        .await;
    let mut pass = Pass::default();
    for outcome in outcomes {
        match outcome? {
            Folded::Packed { .. } => pass.packed += 1,
            Folded::Left { .. } => pass.left += 1,
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use foof_domain::ports::BackendResult;
    use std::sync::Mutex;

    /// Records the terms it is asked to fold; folds those with "hot" in their name.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    #[async_trait]
    impl PostingCompactor for Recorder {
        async fn compact(&self, term_key: &str) -> BackendResult<Folded> {
            self.0.lock().unwrap().push(term_key.to_owned());
            Ok(match term_key.contains("hot") {
                true => Folded::Packed {
                    deltas: 64,
                    postings: 640,
                },
                false => Folded::Left { deltas: 1 },
            })
        }
    }

    fn record(event_name: &str, term: &str, doc: &str) -> StreamRecord {
        serde_json::from_value(serde_json::json!({
            "eventName": event_name,
            "dynamodb": {"Keys": {"term": {"S": term}, "doc": {"N": doc}}}
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn each_term_with_a_changed_delta_is_folded_once() {
        let records = [
            record("INSERT", "g#hot", "5"),
            record("MODIFY", "g#hot", "6"),
            record("INSERT", "u#cold", "2"),
            record("REMOVE", "g#gone", "7"),
            record("MODIFY", "g#block", "-1"),
            record("INSERT", "g#head", "0"),
            record("MODIFY", "#stats#g", "3"),
        ];
        let recorder = Recorder::default();
        let pass = compact(&recorder, &records).await.unwrap();
        assert_eq!(pass, Pass { packed: 1, left: 1 });
        let mut asked = recorder.0.lock().unwrap().clone();
        asked.sort();
        assert_eq!(asked, ["g#hot", "u#cold"]);
    }
}
