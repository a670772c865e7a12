//! The part of a DynamoDB Streams event the compactor reads: what happened to which key.

use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    #[serde(rename = "eventName", default)]
    event_name: String,
    dynamodb: Change,
}

#[derive(Debug, Deserialize)]
struct Change {
    #[serde(rename = "Keys")]
    keys: Keys,
}

#[derive(Debug, Deserialize)]
struct Keys {
    term: StringValue,
    doc: NumberValue,
}

#[derive(Debug, Deserialize)]
struct StringValue {
    #[serde(rename = "S")]
    s: String,
}

#[derive(Debug, Deserialize)]
struct NumberValue {
    #[serde(rename = "N")]
    n: String,
}

impl StreamRecord {
    /// The term whose delta this record wrote: an insert or change of a row with `doc` > 0
    /// under a goods or users term. Deletes are the compactor's own (a fold removes the deltas
    /// it packed), as are blocks (`doc` < 0) and heads (0); statistics rows are not terms.
    fn changed_term(&self) -> Option<&str> {
        let written = matches!(self.event_name.as_str(), "INSERT" | "MODIFY");
        let term = self.dynamodb.keys.term.s.as_str();
        let is_term = term.starts_with("g#") || term.starts_with("u#");
        let is_delta = self.dynamodb.keys.doc.n.parse::<i64>().is_ok_and(|doc| doc > 0);
        (written && is_term && is_delta).then_some(term)
    }
}

/// The distinct terms whose deltas the records wrote.
pub(crate) fn changed_terms(records: &[StreamRecord]) -> BTreeSet<&str> {
    records.iter().filter_map(StreamRecord::changed_term).collect()
}
