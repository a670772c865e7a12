//! The Elasticsearch 6 `_search` envelope the client reads, as types: the shape is the
//! contract, and serializing it directly builds no intermediate JSON tree per hit.

use crate::engine::{Found, Hit, Source};
use foof_domain::search::Corpus;
use serde::Serialize;

#[derive(Serialize)]
pub struct Envelope {
    took: u64,
    timed_out: bool,
    #[serde(rename = "_shards")]
    shards: Shards,
    hits: Hits,
}

/// One index with one shard that always answers.
#[derive(Serialize)]
struct Shards {
    total: u32,
    successful: u32,
    skipped: u32,
    failed: u32,
}

#[derive(Serialize)]
struct Hits {
    total: usize,
    max_score: Option<f64>,
    hits: Vec<HitReply>,
}

#[derive(Serialize)]
struct HitReply {
    #[serde(rename = "_index")]
    index: &'static str,
    #[serde(rename = "_type")]
    kind: &'static str,
    /// A string, as Elasticsearch gives document ids.
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "_score")]
    score: f64,
    #[serde(rename = "_source")]
    source: Source,
}

impl Envelope {
    pub fn new(corpus: Corpus, found: Found, took_ms: u64) -> Self {
        let (index, kind) = match corpus {
            Corpus::Goods => ("index-goods", "goods"),
            Corpus::Users => ("index-users", "users"),
        };
        let hit = |hit: Hit| HitReply {
            index,
            kind,
            id: hit.id.to_string(),
            score: hit.score,
            source: hit.source,
        };
        Envelope {
            took: took_ms,
            timed_out: false,
            shards: Shards {
                total: 1,
                successful: 1,
                skipped: 0,
                failed: 0,
            },
            hits: Hits {
                total: found.total,
                max_score: found.hits.first().map(|hit| hit.score),
                hits: found.hits.into_iter().map(hit).collect(),
            },
        }
    }
}
