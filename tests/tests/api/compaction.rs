//! The compactor folds deltas into packed blocks: searches answer the same before and after,
//! and folds racing with adds, edits and deletes lose nothing and count nothing twice.

use foof_domain::clock::SystemClock;
use foof_domain::ids::ItemId;
use foof_domain::ports::Folded;
use foof_domain::search::{Corpus, Posting, document_terms};
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use foof_tests::{Exclusive, TestApp, TestUser, unique_word};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Adapters whose compactor folds a term as soon as it has one delta.
async fn adapters() -> Adapters {
    let mut config = Config::from_env().unwrap();
    config.compact_at_deltas = 1;
    Adapters::from_config(config, Arc::new(SystemClock)).await.unwrap()
}

async fn search(app: &TestApp, query: &str) -> Value {
    app.post("/item/search", json!({"method": "good", "query": query, "size": 200}))
        .await
        .body
}

/// (id, score) of each hit, and the total.
fn outcome(reply: &Value) -> (Vec<(String, String)>, u64) {
    let hits = reply["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            (
                hit["_id"].as_str().unwrap().to_owned(),
                format!("{:.9}", hit["_score"].as_f64().unwrap()),
            )
        })
        .collect();
    (hits, reply["hits"]["total"].as_u64().unwrap())
}

async fn add(app: &TestApp, user: &TestUser, title: &str) -> i64 {
    app.add_item(user, json!({"title": title, "note": "自提"})).await
}

/// Alone, so that no other test moves the corpus statistics (and so the scores) meanwhile.
#[tokio::test]
async fn folding_deltas_into_blocks_changes_no_answer() {
    let _alone = Exclusive::take();
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let compactor = adapters.compactor();
    let user = app.register().await;
    let t = unique_word();
    let mut added = Vec::new();
    for i in 0..12 {
        added.push(add(&app, &user, &format!("{t} 台灯 {}", "新".repeat(i % 3 + 1))).await);
    }
    let query = format!("{t} 新");
    let before = outcome(&search(&app, &query).await);
    assert_eq!(before.1, 12);
    assert_eq!(
        compactor.compact(&format!("g#{t}")).await.unwrap(),
        Folded::Packed {
            deltas: 12,
            postings: 12
        }
    );
    assert_eq!(outcome(&search(&app, &query).await), before, "packed, the same answer");

    // Deltas over a block: an edit that drops the tag, one that keeps it, a delete.
    let token = &user.token;
    let modify = |id: i64, title: String| {
        app.post(
            "/item/modify",
            json!({"token": token, "itemid": id, "title": title, "type": 1, "price": 3, "depreciatione": 80, "note": "自提"}),
        )
    };
    modify(added[0], "台灯".into()).await.assert_success();
    modify(added[1], format!("{t} {t} 台灯")).await.assert_success();
    app.post("/item/delete", json!({"token": token, "itemid": added[2]}))
        .await
        .assert_success();
    let edited = outcome(&search(&app, &query).await);
    assert_eq!(edited.1, 10, "{edited:?}");
    assert!(
        !edited
            .0
            .iter()
            .any(|(id, _)| *id == added[0].to_string() || *id == added[2].to_string())
    );
    assert_eq!(
        compactor.compact(&format!("g#{t}")).await.unwrap(),
        Folded::Packed {
            deltas: 3,
            postings: 10
        }
    );
    assert_eq!(outcome(&search(&app, &query).await), edited);
    assert_eq!(
        compactor.compact(&format!("g#{t}")).await.unwrap(),
        Folded::Left { deltas: 0 },
        "nothing waits"
    );
}

/// Folds `key` over and over until `stop`; the task answers how many folds packed anything.
fn fold_until(stop: &Arc<AtomicBool>, adapters: &Adapters, key: &str) -> tokio::task::JoinHandle<usize> {
    let (compactor, stop, key) = (adapters.compactor(), stop.clone(), key.to_owned());
    tokio::spawn(async move {
        let mut packed = 0;
        while !stop.load(Ordering::Relaxed) {
            if let Folded::Packed { .. } = compactor.compact(&key).await.expect("a fold") {
                packed += 1;
            }
        }
        packed
    })
}

/// What the index must say for `term`: each live item that has it, with its counts.
async fn expected_postings(adapters: &Adapters, ids: &[i64], term: &str) -> BTreeMap<i64, Posting> {
    let ids: Vec<ItemId> = ids.iter().copied().map(ItemId::new).collect();
    let mut expected = BTreeMap::new();
    for item in adapters.items().get_many(&ids).await.unwrap() {
        let terms = document_terms(&item.title, &item.note);
        if let (false, Some(&frequency)) = (item.deleted, terms.terms.get(term)) {
            let posting = Posting {
                doc: item.id.get(),
                frequency,
                length: terms.length,
            };
            expected.insert(posting.doc, posting);
        }
    }
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folds_racing_with_adds_edits_and_deletes_lose_nothing() {
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let user = app.register().await;
    let t = unique_word();
    let key = format!("g#{t}");
    let stop = Arc::new(AtomicBool::new(false));
    let folding = fold_until(&stop, &adapters, &key);
    let mut added = Vec::new();
    for round in 0..4 {
        let titles: Vec<String> = (0..16).map(|i| format!("{t} 第{round}批 {i}")).collect();
        added.extend(join_all(titles.iter().map(|title| add(&app, &user, title))).await);
        let edits = added.iter().rev().take(6).enumerate().map(|(i, id)| {
            let title = if i % 2 == 0 { format!("改 {i}") } else { format!("{t} {t} 改") };
            app.post(
                "/item/modify",
                json!({"token": user.token, "itemid": id, "title": title, "type": 1, "price": 3, "depreciatione": 80, "note": "自提"}),
            )
        });
        for reply in join_all(edits).await {
            reply.assert_success();
        }
        let deletes = added
            .iter()
            .skip(round * 16)
            .take(3)
            .map(|id| app.post("/item/delete", json!({"token": user.token, "itemid": id})));
        for reply in join_all(deletes).await {
            reply.assert_success();
        }
    }
    stop.store(true, Ordering::Relaxed);
    let packed = folding.await.unwrap();
    assert!(packed > 0, "the folds ran while the writes did");
    adapters.compactor().compact(&key).await.unwrap();

    let expected = expected_postings(&adapters, &added, &t).await;
    let found = adapters
        .search_index()
        .postings(Corpus::Goods, std::slice::from_ref(&t))
        .await
        .unwrap();
    let found: BTreeMap<i64, Posting> = found
        .get(&t)
        .map(|list| list.iter().map(|p| (p.doc, *p)).collect())
        .unwrap_or_default();
    assert_eq!(found, expected);
    assert_eq!(
        search(&app, &t).await["hits"]["total"].as_u64(),
        Some(expected.len() as u64)
    );
}

/// `make run` packs postings as the deployed stack does: the dev server follows the postings
/// table's stream and hands the changed terms to the compactor.
#[tokio::test]
async fn the_dev_servers_stream_reader_packs_new_postings() {
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let mut config = Config::from_env().unwrap();
    // Observes without folding: no term ever has this many deltas.
    config.compact_at_deltas = usize::MAX;
    let observer = Adapters::from_config(config, Arc::new(SystemClock))
        .await
        .unwrap()
        .compactor();
    let user = app.register().await;
    let t = unique_word();
    for _ in 0..3 {
        add(&app, &user, &t).await;
    }
    let key = format!("g#{t}");
    assert_eq!(observer.compact(&key).await.unwrap(), Folded::Left { deltas: 3 });
    let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(adapters.sdk_config());
    streams.set_endpoint_url(Some(foof_tests::emulator_dynamodb_endpoint()));
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
    let table = adapters.config().tables.name("postings");
    let reader = tokio::spawn(foof_devserver::compaction::follow(streams, table, adapters.compactor()));
    let mut waiting = 3;
    for _ in 0..120 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if let Folded::Left { deltas } = observer.compact(&key).await.unwrap() {
            waiting = deltas;
        }
        if waiting == 0 {
            break;
        }
    }
    reader.abort();
    assert_eq!(waiting, 0, "the stream reader folded the term's deltas");
    assert_eq!(search(&app, &t).await["hits"]["total"].as_u64(), Some(3));
}

/// A term past 1 MB is read in several pages, and a fold may commit between two of them: it
/// writes the block, then deletes the deltas it holds. Whatever the moment, a read must find
/// every document that had the term before the read began. Read here in pages of two rows,
/// while new documents arrive and are folded as soon as they do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_of_many_pages_racing_folds_misses_nothing() {
    let (app, adapters) = (Arc::new(TestApp::spawn().await), adapters().await);
    let user = app.register().await;
    let t = unique_word();
    let key = format!("g#{t}");
    let committed = Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..12 {
        let id = add(&app, &user, &t).await;
        committed.lock().unwrap().push(id);
    }
    adapters.compactor().compact(&key).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let folding = fold_until(&stop, &adapters, &key);
    let adding = {
        let (app, committed, stop, t) = (app.clone(), committed.clone(), stop.clone(), t.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let id = add(&app, &user, &t).await;
                committed.lock().unwrap().push(id);
            }
        })
    };
    let index = adapters.search_index_paged(2);
    for read in 0..40 {
        let before: Vec<i64> = committed.lock().unwrap().clone();
        let found = index.postings(Corpus::Goods, std::slice::from_ref(&t)).await.unwrap();
        let found: Vec<i64> = found[&t].iter().map(|posting| posting.doc).collect();
        let missed: Vec<&i64> = before.iter().filter(|id| !found.contains(id)).collect();
        assert!(
            missed.is_empty(),
            "read {read} missed {missed:?} of {} documents",
            before.len()
        );
    }
    stop.store(true, Ordering::Relaxed);
    adding.await.unwrap();
    assert!(folding.await.unwrap() > 0, "the folds ran while the reads did");
}
