//! Search's CPU split by what a query makes it do: how many terms it reads postings for and
//! how many hits it returns. Run on the warm-request corpus (hundreds of near-identical
//! listings, so every term reads its full 200 postings), on the same release dev server.

use crate::warm::ProcessCpu;
use foof_aws::aws_calls;
use foof_domain::search::query_terms;
use foof_tests::TestApp;
use serde_json::{Value, json};

pub struct ShapeRow {
    pub query: &'static str,
    pub terms: usize,
    pub size: usize,
    pub hits: usize,
    pub aws_calls: f64,
    pub cpu_ms_per_request: f64,
}

/// (query, `size`): from a query that matches nothing to the warm table's search.
const SHAPES: [(&str, usize); 7] = [
    ("zzzz", 100),
    ("宝", 0),
    ("宝", 10),
    ("宝", 100),
    ("小米充电宝", 0),
    ("小米充电宝", 10),
    ("小米充电宝", 100),
];
const REQUESTS: usize = 1000;
const COUNTED: u64 = 10;

async fn search(app: &TestApp, query: &str, size: usize) -> Value {
    let reply = app
        .post("/item/search", json!({"method": "good", "query": query, "size": size}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

/// `remote` is the dev server whose CPU `cpu` reads, `local` the same code in this process
/// (for the SDK call count).
pub async fn measure(remote: &TestApp, cpu: &ProcessCpu, local: &TestApp) -> Vec<ShapeRow> {
    let mut rows = Vec::new();
    for (query, size) in SHAPES {
        let hits = search(remote, query, size).await["hits"]["hits"]
            .as_array()
            .map_or(0, Vec::len);
        let cpu_before = cpu.used_ms();
        for _ in 0..REQUESTS {
            search(remote, query, size).await;
        }
        let cpu_ms_per_request = (cpu.used_ms() - cpu_before) / REQUESTS as f64;
        let calls_before = aws_calls();
        for _ in 0..COUNTED {
            search(local, query, size).await;
        }
        let aws_calls = (aws_calls() - calls_before) as f64 / COUNTED as f64;
        rows.push(ShapeRow {
            query,
            terms: query_terms(query).len(),
            size,
            hits,
            aws_calls,
            cpu_ms_per_request,
        });
    }
    rows
}
