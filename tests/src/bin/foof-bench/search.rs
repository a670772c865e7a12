//! Search at scale (issue 16): a realistic corpus (`corpus.rs`) indexed at each size (10k, then
//! grown to 100k items), and per size: latency, DynamoDB calls and our CPU per query for 1-,
//! 3- and 9-term queries, and the same for a warm add item.
//!
//! The corpus lives in tables of its own (`TABLE_PREFIX`, bootstrapped from template.yaml), so
//! whatever else the bench did on these emulators is not in it. It is seeded through the item
//! store directly, not over HTTP. The dev server folds the new postings into blocks (it runs
//! the compactor on the postings stream, as the compactor function does on AWS), and each size
//! is measured once it has gone quiet. Queries and adds are measured on the release search and
//! items functions under the Runtime API stub, each in its own process, so their CPU from
//! /proc is theirs alone (the dev server's would include its folding). AWS calls are counted by
//! the SDK interceptor on the same code in this process.

use crate::corpus::{Corpus, Listing, vocabulary};
use crate::function::Function;
use crate::warm::{ProcessCpu, percentile, start_server};
use foof_aws::{Tables, aws_calls};
use foof_domain::clock::SystemClock;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::item::{Item, ItemDetails};
use foof_domain::ports::{Created, ItemStore};
use foof_domain::search::query_terms;
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use foof_tests::{TestApp, TestUser};
use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The sizes measured unless `FOOF_BENCH_SEARCH_SIZES` (e.g. `1000,5000`) names others.
pub const SIZES: [usize; 2] = [10_000, 100_000];
/// Creates in flight while seeding (`FOOF_BENCH_SEED_CONCURRENCY` overrides it). On DynamoDB
/// Local on 2 cores more at once was slower, not faster: creates sharing a store claim the next
/// item id inside their transactions, so all but one of those in flight fail and are sent
/// again. Measured on 1,000 items: 83 items/s at 1, 25 at 4 and at 16; with a store per create,
/// which reserves each id with an `ADD` first, 50 at 1, 45 at 4, 34 at 16.
pub const SEED_CONCURRENCY: usize = 1;
fn seed_concurrency() -> usize {
    std::env::var("FOOF_BENCH_SEED_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED_CONCURRENCY)
}
/// Progress is printed every this many seeded items.
const PROGRESS_EVERY: usize = 10_000;
/// Each query of a shape is run this many times (after one warm-up run of each).
pub const REPEATS: usize = 20;
/// Add items per size on the items function (CPU, latency), and counted in-process (AWS calls).
const ADDS: usize = 400;
pub const COUNTED_ADDS: u64 = 20;

/// Queries of one shape: each has exactly `terms` distinct terms as `query_terms` counts them
/// (a 2-character Chinese word is 3: its bigram and its two characters), and every word is a
/// corpus word; from the most common words to rare ones.
pub struct Shape {
    pub name: &'static str,
    pub terms: usize,
    pub queries: [&'static str; 10],
}

pub const SHAPES: [Shape; 3] = [
    Shape {
        name: "1 term",
        terms: 1,
        queries: [
            "used", "logitech", "keyboard", "monitor", "airpods", "thinkpad", "tripod", "ukulele", "webcam", "drone",
        ],
    },
    Shape {
        name: "3 terms",
        terms: 3,
        queries: [
            "二手",
            "鼠标",
            "台灯",
            "高数",
            "罗技",
            "降噪",
            "显卡",
            "吉他",
            "驾照",
            "logitech wireless mouse",
        ],
    },
    Shape {
        name: "9 terms",
        terms: 9,
        queries: [
            "罗技 无线 鼠标",
            "二手 高数 教材",
            "降噪 蓝牙 耳机",
            "小米 充电宝 wireless",
            "九成新 台灯 lamp",
            "宿舍 风扇 自提",
            "考研 英语 真题",
            "ipad pro air 平板 电脑",
            "机械键盘 rgb gaming",
            "托福 雅思 资料",
        ],
    },
];

pub struct QueryRow {
    pub items: usize,
    pub shape: &'static str,
    pub terms: usize,
    pub queries: usize,
    /// `hits.total`: the documents that matched, averaged over the queries.
    pub matches_per_query: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub calls_per_query: f64,
    pub cpu_ms_per_query: f64,
}

pub struct AddRow {
    pub items: usize,
    pub requests: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub calls: f64,
    pub cpu_ms: f64,
}

pub struct Seeding {
    /// The corpus size reached.
    pub items: usize,
    pub created: usize,
    pub elapsed: Duration,
    /// Creates that failed (e.g. a transaction conflict) and were tried again.
    pub retries: usize,
    /// How long the compactor folded after the seeding, its CPU in that time, and whether it
    /// had gone quiet (false: the wait ran out and the size was measured anyway).
    pub compaction: Duration,
    pub compaction_cpu_ms: f64,
    pub compacted: bool,
}

pub struct SearchAtScale {
    pub queries: Vec<QueryRow>,
    pub adds: Vec<AddRow>,
    pub seeding: Vec<Seeding>,
    pub vocabulary: usize,
    /// Distinct titles among the first `sampled` generated listings.
    pub distinct_titles: usize,
    pub sampled: usize,
}

/// The sizes to measure: `FOOF_BENCH_SEARCH_SIZES` or [`SIZES`].
pub fn sizes() -> Vec<usize> {
    match std::env::var("FOOF_BENCH_SEARCH_SIZES") {
        Ok(list) if !list.trim().is_empty() => {
            let mut sizes: Vec<usize> = list
                .split(',')
                .map(|s| {
                    s.trim()
                        .replace('_', "")
                        .parse()
                        .expect("FOOF_BENCH_SEARCH_SIZES: numbers")
                })
                .collect();
            sizes.sort_unstable();
            sizes
        }
        _ => SIZES.to_vec(),
    }
}

/// Every query has the term count its shape says, and is made of corpus words.
fn check_shapes() {
    let words = vocabulary();
    for shape in &SHAPES {
        for query in shape.queries {
            assert_eq!(query_terms(query).len(), shape.terms, "{query:?} in {}", shape.name);
            for word in query.split_whitespace() {
                assert!(words.contains(&word), "{word:?} of {query:?} is not a corpus word");
            }
        }
    }
}

/// A table prefix no earlier run on these emulators used.
fn table_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!("foofscale{}-{}", std::process::id(), nanos % 1_000_000)
}

/// Creates the tables of template.yaml under `prefix`, as `scripts/emulators.sh` does for "foof".
fn bootstrap(prefix: &str) {
    let root = crate::root();
    let status = std::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("localstack/bootstrap.py"))
        .env("TABLE_PREFIX", prefix)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("localstack/bootstrap.py runs (make setup creates .venv)");
    assert!(status.success(), "bootstrapping the {prefix}-* tables failed");
}

fn draft(listing: &Listing, owner: i64) -> Item {
    let details = ItemDetails {
        title: Some(listing.title.clone()),
        category: Some(listing.category),
        price: Some(listing.price),
        condition: Some(listing.condition),
        note: Some(listing.note.clone()),
    };
    Item::new_post(ItemId::new(0), UserId::new(owner), details, listing.sold).expect("a valid generated listing")
}

/// Creates `count` listings of `corpus` through one item store, [`SEED_CONCURRENCY`] at once.
async fn seed(items: &Arc<dyn ItemStore>, owner: i64, corpus: &mut Corpus, count: usize, reached: usize) -> Seeding {
    let started = Instant::now();
    let drafts: Vec<Item> = (0..count).map(|_| draft(&corpus.listing(), owner)).collect();
    let (done, retries) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let base = reached - count;
    stream::iter(drafts.iter())
        .for_each_concurrent(seed_concurrency(), |item| {
            let (done, retries) = (&done, &retries);
            async move {
                let mut failures = 0;
                loop {
                    match items.create(item).await {
                        Ok(Created::Done(_)) => break,
                        Ok(Created::Refused) => panic!("the seeding owner {owner} does not exist"),
                        Err(error) => {
                            failures += 1;
                            retries.fetch_add(1, Ordering::Relaxed);
                            assert!(failures < 20, "seeding keeps failing: {error}");
                            tokio::time::sleep(Duration::from_millis(20 * failures)).await;
                        }
                    }
                }
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                if (base + done).is_multiple_of(PROGRESS_EVERY) {
                    let elapsed = started.elapsed().as_secs_f64();
                    eprintln!(
                        "bench: search corpus at {} items ({done} of {count} this step in {elapsed:.0} s, {:.0} items/s, {} retries)",
                        base + done,
                        done as f64 / elapsed,
                        retries.load(Ordering::Relaxed)
                    );
                }
            }
        })
        .await;
    Seeding {
        items: reached,
        created: count,
        elapsed: started.elapsed(),
        retries: retries.into_inner(),
        compaction: Duration::ZERO,
        compaction_cpu_ms: 0.0,
        compacted: false,
    }
}

fn add_form(user: &TestUser, listing: &Listing) -> Value {
    json!({"token": user.token, "title": listing.title, "type": listing.category, "price": listing.price,
           "depreciatione": listing.condition, "note": listing.note, "sold": listing.sold})
}

fn search_form(query: &str) -> Value {
    json!({"method": "good", "query": query})
}

/// The dev server, kept only as the compactor: it follows the postings stream and folds new
/// postings into blocks, as the compactor function does on AWS. It is paused (SIGSTOP) while
/// the bench seeds and measures, so that its folding does not compete with either for
/// DynamoDB Local and the two cores, and runs while the bench waits for it.
struct Compactor {
    server: tokio::process::Child,
    cpu: ProcessCpu,
}

impl Compactor {
    fn signal(&self, signal: &str) {
        let pid = self.server.id().expect("the dev server is running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    fn pause(&self) {
        self.signal("STOP");
    }

    /// Lets it fold until it has been quiet for two windows running, or `limit` has passed;
    /// then pauses it again. Returns how long it ran, its CPU in that time, and whether it
    /// went quiet.
    async fn run_until_quiet(&self, limit: Duration) -> (Duration, f64, bool) {
        self.signal("CONT");
        let (started, cpu_before) = (Instant::now(), self.cpu.used_ms());
        let (mut quiet_windows, mut last_report) = (0, Instant::now());
        while quiet_windows < 2 && started.elapsed() < limit {
            let before = self.cpu.used_ms();
            tokio::time::sleep(QUIET_WINDOW).await;
            let used = self.cpu.used_ms() - before;
            quiet_windows = if used < QUIET_CPU_MS { quiet_windows + 1 } else { 0 };
            if last_report.elapsed() > Duration::from_secs(60) {
                eprintln!(
                    "bench: the compactor is folding ({used:.0} ms CPU in the last {QUIET_WINDOW:?}, {:.0} s so far)",
                    started.elapsed().as_secs_f64()
                );
                last_report = Instant::now();
            }
        }
        self.pause();
        (started.elapsed(), self.cpu.used_ms() - cpu_before, quiet_windows >= 2)
    }
}

/// How long the compactor may fold after a seeding before the size is measured anyway, unless
/// `FOOF_BENCH_COMPACTION_WAIT_SECONDS` says otherwise.
const COMPACTION_WAIT: Duration = Duration::from_secs(20 * 60);
/// The window over which the compactor's CPU is read while it runs.
const QUIET_WINDOW: Duration = Duration::from_secs(3);
/// Below this much CPU in a window (its idle stream poll uses about 2 ms/s) it has nothing
/// left to fold.
const QUIET_CPU_MS: f64 = 60.0;

pub fn compaction_wait() -> Duration {
    std::env::var("FOOF_BENCH_COMPACTION_WAIT_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(COMPACTION_WAIT, Duration::from_secs)
}

struct Apps<'a> {
    /// The release search and items functions under the Runtime API stub.
    search: &'a Function,
    items: &'a Function,
    /// The same code in this process, for the call count.
    local: &'a TestApp,
    seller: &'a TestUser,
}

async fn measure_queries(apps: &Apps<'_>, items: usize, shape: &Shape) -> QueryRow {
    let search = |query| apps.search.post("/item/search", search_form(query));
    for query in shape.queries {
        search(query).await;
    }
    let mut latencies = Vec::new();
    let mut matches = 0u64;
    let cpu_before = apps.search.cpu.used_ms();
    for _ in 0..REPEATS {
        for query in shape.queries {
            let started = Instant::now();
            let body = search(query).await;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            matches += body["hits"]["total"].as_u64().expect("hits.total");
        }
    }
    let queries = latencies.len();
    let cpu_ms_per_query = (apps.search.cpu.used_ms() - cpu_before) / queries as f64;
    latencies.sort_by(f64::total_cmp);
    let local = |query| apps.local.post("/item/search", search_form(query));
    local(shape.queries[0]).await;
    let calls_before = aws_calls();
    for query in shape.queries {
        let reply = local(query).await;
        assert!(reply.body["hits"]["total"].is_u64(), "{reply:?}");
    }
    let calls_per_query = (aws_calls() - calls_before) as f64 / shape.queries.len() as f64;
    QueryRow {
        items,
        shape: shape.name,
        terms: shape.terms,
        queries,
        matches_per_query: matches as f64 / queries as f64,
        p50_ms: percentile(&latencies, 0.5),
        p95_ms: percentile(&latencies, 0.95),
        calls_per_query,
        cpu_ms_per_query,
    }
}

/// Warm add items; the first of each container is left out (one that has not yet seen the
/// item counter reserves its id with an extra call).
async fn measure_adds(apps: &Apps<'_>, items: usize, corpus: &mut Corpus) -> AddRow {
    let add = |listing: &Listing| apps.items.post("/item/add", add_form(apps.seller, listing));
    assert_eq!(add(&corpus.listing()).await["status"], "success");
    let listings: Vec<Listing> = (0..ADDS).map(|_| corpus.listing()).collect();
    let mut latencies = Vec::with_capacity(ADDS);
    let cpu_before = apps.items.cpu.used_ms();
    for listing in &listings {
        let started = Instant::now();
        let reply = add(listing).await;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(reply["status"], "success", "{reply}");
    }
    let cpu_ms = (apps.items.cpu.used_ms() - cpu_before) / ADDS as f64;
    latencies.sort_by(f64::total_cmp);
    let local = |listing: &Listing| apps.local.post("/item/add", add_form(apps.seller, listing));
    local(&corpus.listing()).await;
    let counted: Vec<Listing> = (0..COUNTED_ADDS).map(|_| corpus.listing()).collect();
    let calls_before = aws_calls();
    for listing in &counted {
        let reply = local(listing).await;
        assert_eq!(reply.body["status"], "success", "{reply:?}");
    }
    AddRow {
        items,
        requests: ADDS,
        p50_ms: percentile(&latencies, 0.5),
        p95_ms: percentile(&latencies, 0.95),
        calls: (aws_calls() - calls_before) as f64 / COUNTED_ADDS as f64,
        cpu_ms,
    }
}

/// Adds made at one size: the warm-ups and the measured ones.
const ADDS_PER_SIZE: usize = 1 + ADDS + 1 + COUNTED_ADDS as usize;

/// `release` holds the release binaries (foof-devserver, search, items).
pub async fn measure(release: &Path, sizes: &[usize]) -> SearchAtScale {
    check_shapes();
    let prefix = table_prefix();
    eprintln!("bench: search at scale, tables {prefix}-*");
    bootstrap(&prefix);
    let env = [("TABLE_PREFIX", prefix.as_str())];
    let with_tables = |config: &mut Config| config.tables = Tables::with_prefix(prefix.clone());
    let local = TestApp::spawn_with(with_tables).await;
    let mut config = Config::from_env().expect("configuration");
    with_tables(&mut config);
    let adapters = Adapters::from_config(config, Arc::new(SystemClock))
        .await
        .expect("adapters start");
    let store = adapters.items();
    let (server, _) = start_server(&release.join("foof-devserver"), &env).await;
    let compactor = Compactor {
        cpu: ProcessCpu::of(server.id().unwrap()),
        server,
    };
    compactor.pause();
    let search_function = Function::start(&release.join("search"), &env).await;
    let items_function = Function::start(&release.join("items"), &env).await;
    let seller = local.register().await;

    let mut corpus = Corpus::new();
    let sampled = 10_000;
    let distinct_titles = {
        let mut sample = Corpus::new();
        let titles: std::collections::HashSet<String> = (0..sampled).map(|_| sample.listing().title).collect();
        titles.len()
    };
    let mut result = SearchAtScale {
        queries: Vec::new(),
        adds: Vec::new(),
        seeding: Vec::new(),
        vocabulary: vocabulary().len(),
        distinct_titles,
        sampled,
    };
    let mut present = 0;
    for &size in sizes {
        let count = size.saturating_sub(present);
        let mut seeding = seed(&store, seller.uuid, &mut corpus, count, present + count).await;
        present += count;
        eprintln!(
            "bench: seeded {} items (to {}) in {:.0?}, {} retries; the compactor folds",
            seeding.created, seeding.items, seeding.elapsed, seeding.retries
        );
        (seeding.compaction, seeding.compaction_cpu_ms, seeding.compacted) =
            compactor.run_until_quiet(compaction_wait()).await;
        eprintln!(
            "bench: the compactor {} after {:.0?} ({:.0} s of CPU)",
            if seeding.compacted {
                "went quiet"
            } else {
                "was still folding"
            },
            seeding.compaction,
            seeding.compaction_cpu_ms / 1000.0
        );
        result.seeding.push(seeding);
        let apps = Apps {
            search: &search_function,
            items: &items_function,
            local: &local,
            seller: &seller,
        };
        for shape in &SHAPES {
            let row = measure_queries(&apps, present, shape).await;
            eprintln!(
                "bench: {} items, {}: p50 {:.1} ms, p95 {:.1} ms, {:.1} calls, {:.2} ms CPU",
                row.items, row.shape, row.p50_ms, row.p95_ms, row.calls_per_query, row.cpu_ms_per_query
            );
            result.queries.push(row);
        }
        let row = measure_adds(&apps, present, &mut corpus).await;
        eprintln!(
            "bench: {} items, add item: p50 {:.1} ms, {:.1} calls, {:.3} ms CPU",
            row.items, row.p50_ms, row.calls, row.cpu_ms
        );
        result.adds.push(row);
        present += ADDS_PER_SIZE;
    }
    search_function.stop().await;
    items_function.stop().await;
    compactor.signal("CONT");
    let mut server = compactor.server;
    server.kill().await.ok();
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_query_has_its_shapes_term_count() {
        super::check_shapes();
    }
}
