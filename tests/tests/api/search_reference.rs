//! The ranking equals a straightforward BM25 written here from its textbook form, over every
//! live item in the tables and the same tokens, on a generated corpus with deletes and edits.

use foof_domain::clock::SystemClock;
use foof_domain::ids::ItemId;
use foof_domain::search::{Corpus, CorpusStats, DocumentTerms, document_terms, query_terms};
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use foof_tests::{Exclusive, TestApp};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The documented parameters (docs/search.md): k1, b, and the title and note weights.
const K1: f64 = 1.2;
const B: f64 = 0.75;
const TITLE_WEIGHT: f64 = 2.0;
const NOTE_WEIGHT: f64 = 1.0;

const WORDS: [&str; 16] = [
    "无线",
    "鼠标",
    "耳机",
    "台灯",
    "教材",
    "高数",
    "九成新",
    "自提",
    "logitech",
    "mouse",
    "keyboard",
    "ipad",
    "lamp",
    "gaming",
    "silent",
    "charger",
];

/// A deterministic sequence, so that a failure can be replayed.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }

    /// 1–`most` words, the first words of the list far more often than the last.
    fn words(&mut self, most: usize) -> String {
        let count = 1 + self.next(most);
        let pick = |s: &mut Self| WORDS[s.next(WORDS.len()).min(s.next(WORDS.len()))];
        (0..count).map(|_| pick(self)).collect::<Vec<_>>().join(" ")
    }
}

/// Every live item in the tables, with its terms.
async fn live_documents(adapters: &Adapters) -> Vec<(i64, DocumentTerms)> {
    let issued = adapters.ids().issued("items").await.unwrap();
    let ids: Vec<ItemId> = (1..=issued).map(ItemId::new).collect();
    let mut live = Vec::new();
    for chunk in ids.chunks(100) {
        for item in adapters.items().get_many(chunk).await.unwrap() {
            if !item.deleted {
                live.push((item.id.get(), document_terms(&item.title, &item.note)));
            }
        }
    }
    live
}

/// BM25 of every document for `query`, best first, ties by id.
fn reference(documents: &[(i64, DocumentTerms)], query: &str) -> Vec<(i64, f64)> {
    let n = documents.len() as f64;
    let average = documents.iter().map(|(_, d)| f64::from(d.length)).sum::<f64>() / n;
    let terms = query_terms(query);
    let df: HashMap<&String, f64> = terms
        .iter()
        .map(|term| {
            let containing = documents.iter().filter(|(_, d)| d.terms.contains_key(term)).count();
            (term, containing as f64)
        })
        .collect();
    let mut scores = Vec::new();
    for (id, document) in documents {
        let mut score = 0.0;
        let mut matched = false;
        for term in &terms {
            let Some(frequency) = document.terms.get(term) else {
                continue;
            };
            matched = true;
            let idf = (1.0 + (n - df[term] + 0.5) / (df[term] + 0.5)).ln();
            let tf = f64::from(frequency.primary) * TITLE_WEIGHT + f64::from(frequency.secondary) * NOTE_WEIGHT;
            let norm = K1 * (1.0 - B + B * f64::from(document.length) / average);
            score += idf * tf * (K1 + 1.0) / (tf + norm);
        }
        if matched {
            scores.push((*id, score));
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scores
}

fn hits(reply: &Value) -> Vec<(i64, f64)> {
    reply["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            let id = hit["_id"].as_str().unwrap().parse().unwrap();
            (id, hit["_score"].as_f64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn the_ranking_equals_a_reference_bm25_over_every_live_item() {
    let _alone = Exclusive::take();
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let mut sequence = Sequence(0x9E37_79B9_7F4A_7C15);
    let mut added = Vec::new();
    for _ in 0..120 {
        let (title, note) = (sequence.words(4), sequence.words(6));
        added.push(app.add_item(&user, json!({"title": title, "note": note})).await);
    }
    for id in added.iter().step_by(9) {
        app.post("/item/delete", json!({"token": user.token, "itemid": id}))
            .await
            .assert_success();
    }
    for id in added.iter().skip(5).step_by(9) {
        let title = sequence.words(4);
        let body = json!({"token": user.token, "itemid": id, "title": title, "type": 1, "price": 3,
                          "depreciatione": 80, "note": "edited"});
        app.post("/item/modify", body).await.assert_success();
    }

    let adapters = Adapters::from_config(Config::from_env().unwrap(), Arc::new(SystemClock))
        .await
        .unwrap();
    let documents = live_documents(&adapters).await;
    assert_eq!(
        adapters.search_index().stats(Corpus::Goods).await.unwrap(),
        CorpusStats {
            documents: documents.len() as i64,
            total_length: documents.iter().map(|(_, d)| i64::from(d.length)).sum(),
        },
        "the statistics describe exactly the live items"
    );
    for query in [
        "无线 鼠标",
        "logitech mouse",
        "九成新 台灯 自提",
        "ipad",
        "高数教材 charger gaming",
    ] {
        let reply = app
            .post("/item/search", json!({"method": "good", "query": query, "size": 20}))
            .await
            .body;
        let expected = reference(&documents, query);
        assert_eq!(reply["hits"]["total"].as_u64(), Some(expected.len() as u64), "{query}");
        let found = hits(&reply);
        assert_eq!(found.len(), expected.len().min(20), "{query}");
        for (rank, (&(id, score), &(expected_id, expected_score))) in found.iter().zip(&expected).enumerate() {
            assert!(
                (score - expected_score).abs() <= 1e-9 * expected_score.abs().max(1.0),
                "{query}: score at {rank} is {score}, the reference says {expected_score}"
            );
            let tied = expected
                .iter()
                .filter(|(_, s)| (s - expected_score).abs() <= 1e-9)
                .count()
                > 1;
            assert!(
                tied || id == expected_id,
                "{query}: at {rank} {id}, the reference says {expected_id}"
            );
        }
    }
}
