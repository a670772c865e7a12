//! /item/search and /recommend/{uuid} over HTTP against the emulators. Every test writes words
//! of its own (a random tag) so it finds only its own documents in the shared tables.

use foof_tests::{TestApp, TestUser, unique_word};
use futures_util::future::join_all;
use serde_json::{Value, json};

/// An item for sale with this title and note, at 12.5.
async fn add(app: &TestApp, user: &TestUser, title: &str, note: &str) -> i64 {
    app.add_item(user, json!({"title": title, "note": note, "price": 12.5}))
        .await
}

async fn search(app: &TestApp, method: &str, query: &str) -> Value {
    let reply = app
        .post("/item/search", json!({"method": method, "query": query}))
        .await;
    assert_eq!(reply.status, 200);
    reply.body
}

fn ids(reply: &Value) -> Vec<i64> {
    reply["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn finds_goods_by_word_character_run_and_bigram() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let powerbank = add(&app, &user, &format!("九成新 小米充电宝 {t}"), "T,九龙湖").await;
    let textbook = add(&app, &user, &format!("求购 高数 七版 {t}"), "M,图书馆").await;
    for query in ["小米", "充电宝", "小米充电宝", "九成新"] {
        let found = ids(&search(&app, "good", &format!("{t} {query}")).await);
        assert_eq!(found.first(), Some(&powerbank), "{query}: {found:?}");
    }
    let found = ids(&search(&app, "good", &format!("{t} 高数")).await);
    assert_eq!(found.first(), Some(&textbook));
    let both = ids(&search(&app, "good", &t.to_uppercase()).await);
    assert!(
        both.contains(&powerbank) && both.contains(&textbook),
        "words match case-insensitively"
    );
}

#[tokio::test]
async fn the_envelope_has_elasticsearchs_shape_and_no_private_fields() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let itemid = add(&app, &user, &format!("台灯 {t}"), "宿舍自提").await;
    let reply = search(&app, "good", &t).await;
    assert!(reply["took"].is_u64());
    assert_eq!(reply["timed_out"], false);
    assert_eq!(
        reply["_shards"],
        json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0})
    );
    assert_eq!(reply["hits"]["total"], 1);
    let hit = &reply["hits"]["hits"][0];
    assert_eq!(
        (&hit["_index"], &hit["_type"], &hit["_id"]),
        (&json!("index-goods"), &json!("goods"), &json!(itemid.to_string()))
    );
    assert!(hit["_score"].as_f64().unwrap() > 0.0);
    assert_eq!(reply["hits"]["max_score"], hit["_score"]);
    assert_eq!(
        hit["_source"],
        json!({"title": format!("台灯 {t}"), "note": "宿舍自提", "price": 12.5})
    );

    // Users: username and info are searched; only public fields come back.
    app.post(
        "/user/modify",
        json!({"token": user.token, "username": format!("店主{t}"), "info": "出闲置", "idcard": "213170001",
                                    "studentid": "09", "address": "T"}),
    )
    .await
    .assert_success();
    let reply = search(&app, "user", &t).await;
    let hit = &reply["hits"]["hits"][0];
    assert_eq!(
        (&hit["_index"], &hit["_type"], &hit["_id"]),
        (&json!("index-users"), &json!("users"), &json!(user.uuid.to_string()))
    );
    assert_eq!(
        hit["_source"],
        json!({"username": format!("店主{t}"), "info": "出闲置", "address": "T", "score": 10})
    );
    let text = reply.to_string();
    assert!(!text.contains("213170001") && !text.contains(&user.phone) && !text.contains("studentid"));
}

#[tokio::test]
async fn a_title_match_ranks_above_a_note_match() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let in_note = add(&app, &user, "自行车", &format!("送 {t} 一个")).await;
    let in_title = add(&app, &user, &format!("{t} 键盘"), "九成新").await;
    assert_eq!(ids(&search(&app, "good", &t).await), [in_title, in_note]);
}

#[tokio::test]
async fn modify_reindexes_and_delete_removes() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let (old, new) = (unique_word(), unique_word());
    let itemid = add(&app, &user, &format!("{old} 吉他"), "琴房").await;
    assert_eq!(ids(&search(&app, "good", &old).await), [itemid]);
    app.post(
        "/item/modify",
        json!({"token": user.token, "itemid": itemid, "title": format!("{new} 尤克里里")}),
    )
    .await
    .assert_success();
    assert!(
        ids(&search(&app, "good", &old).await).is_empty(),
        "the old word stopped matching"
    );
    assert_eq!(ids(&search(&app, "good", &new).await), [itemid]);
    assert_eq!(
        search(&app, "good", &new).await["hits"]["hits"][0]["_source"]["title"],
        format!("{new} 尤克里里")
    );
    app.post(
        "/item/modify",
        json!({"token": user.token, "itemid": itemid, "price": 99}),
    )
    .await
    .assert_success();
    assert_eq!(
        search(&app, "good", &new).await["hits"]["hits"][0]["_source"]["price"],
        99.0
    );
    app.post("/item/delete", json!({"token": user.token, "itemid": itemid}))
        .await
        .assert_success();
    let reply = search(&app, "good", &new).await;
    assert_eq!(
        (&reply["hits"]["total"], &reply["hits"]["max_score"]),
        (&json!(0), &Value::Null)
    );
}

#[tokio::test]
async fn user_search_follows_profile_edits() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let (first, second) = (unique_word(), unique_word());
    app.post("/user/modify", json!({"token": user.token, "username": first}))
        .await
        .assert_success();
    assert_eq!(ids(&search(&app, "user", &first).await), [user.uuid]);
    app.post(
        "/user/modify",
        json!({"token": user.token, "info": format!("收 {second} 教材")}),
    )
    .await
    .assert_success();
    assert_eq!(ids(&search(&app, "user", &second).await), [user.uuid]);
    app.post("/user/modify", json!({"token": user.token, "username": "改名了"}))
        .await
        .assert_success();
    assert!(ids(&search(&app, "user", &first).await).is_empty());
    assert_eq!(
        ids(&search(&app, "user", &second).await),
        [user.uuid],
        "info still indexed"
    );
}

#[tokio::test]
async fn empty_junk_and_bad_requests() {
    let app = TestApp::spawn().await;
    for query in ["", "   ", "!!!???", "🎉🎉"] {
        let reply = search(&app, "good", query).await;
        assert_eq!(
            reply["hits"],
            json!({"total": 0, "max_score": null, "hits": []}),
            "{query:?}"
        );
    }
    let reply = search(&app, "good", &unique_word()).await;
    assert_eq!(reply["hits"]["total"], 0);
    for body in [
        json!({"method": "item", "query": "x"}),
        json!({"query": "x"}),
        json!({"method": "good", "query": "x", "size": 201}),
        json!({"method": "good", "query": "x", "size": -1}),
    ] {
        app.post("/item/search", body).await.assert_failure("invaild request");
    }
    let slash = app.post("/item/search/", json!({"method": "good", "query": "x"})).await;
    assert_eq!(slash.status, 200);
    let form = app
        .post_form("/item/search", &[("method", "user"), ("query", "x")])
        .await;
    assert!(form.body["hits"].is_object());
}

#[tokio::test]
async fn size_limits_the_hits_but_not_the_total() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    for i in 0..3 {
        add(&app, &user, &format!("{t} 第{i}件"), "便宜").await;
    }
    let reply = app
        .post("/item/search", json!({"method": "good", "query": t, "size": "2"}))
        .await
        .body;
    assert_eq!(
        (
            reply["hits"]["total"].as_u64(),
            reply["hits"]["hits"].as_array().unwrap().len()
        ),
        (Some(3), 2)
    );
}

/// Adds `count` items titled `title`, 16 at a time.
async fn add_many(app: &TestApp, user: &TestUser, title: &str, count: usize) -> Vec<i64> {
    let mut added = Vec::new();
    for chunk in (0..count).collect::<Vec<_>>().chunks(16) {
        added.extend(join_all(chunk.iter().map(|_| add(app, user, title, "自提"))).await);
    }
    added
}

#[tokio::test]
async fn every_match_is_counted_and_size_is_honoured_past_two_hundred() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let added = add_many(&app, &user, &t, 260).await;
    let reply = app
        .post("/item/search", json!({"method": "good", "query": t, "size": 200}))
        .await
        .body;
    assert_eq!(reply["hits"]["total"].as_u64(), Some(260));
    assert_eq!(ids(&reply).len(), 200);
    let default = search(&app, "good", &t).await;
    assert_eq!(ids(&default).len(), 100, "the default size");
    app.post("/item/delete", json!({"token": user.token, "itemid": added[0]}))
        .await
        .assert_success();
    assert_eq!(search(&app, "good", &t).await["hits"]["total"].as_u64(), Some(259));
}

/// An older listing that matches every word of the query comes first, however many newer
/// listings match some of its words (in both scripts).
#[tokio::test]
async fn an_old_full_match_outranks_hundreds_of_newer_partial_matches() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    for (full, partial_a, partial_b, query) in [
        ("罗技 无线鼠标 静音", "无线耳机 降噪", "游戏鼠标垫 加厚", "无线 鼠标"),
        (
            "logitech mouse silent",
            "logitech keyboard",
            "gaming mouse pad",
            "logitech mouse",
        ),
    ] {
        let old = add(&app, &user, &format!("{full} {t}"), "自提").await;
        add_many(&app, &user, &format!("{partial_a} {t}"), 210).await;
        add_many(&app, &user, &format!("{partial_b} {t}"), 210).await;
        let reply = search(&app, "good", &format!("{query} {t}")).await;
        assert_eq!(ids(&reply)[0], old, "{query}: {reply}");
        assert!(
            reply["hits"]["total"].as_u64().unwrap() >= 421,
            "{query}: every match counted"
        );
    }
}

/// Only the query's first 256 characters are read (a unit test shows the cut); a body just
/// under the 1 MiB limit is answered like any other.
#[tokio::test]
async fn a_megabyte_query_is_answered() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let id = add(&app, &user, &t, "自提").await;
    let mut query = format!("{t} ");
    for i in 0.. {
        if query.len() > 1_000_000 {
            break;
        }
        query.push_str(&format!("w{i} "));
    }
    let reply = search(&app, "good", &query).await;
    assert_eq!(ids(&reply), [id]);
}

#[tokio::test]
async fn recommend_answers_live_items_of_others() {
    let app = TestApp::spawn().await;
    let (me, seller) = (app.register().await, app.register().await);
    for _ in 0..3 {
        add(&app, &seller, "推荐测试", "好物").await;
        add(&app, &me, "我自己的", "不推荐给我").await;
    }
    let reply = app.get(&format!("/recommend/{}", me.uuid)).await;
    assert_eq!(reply.status, 200);
    let recommended: Vec<i64> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(!recommended.is_empty() && recommended.len() <= 10, "{recommended:?}");
    let mut distinct = recommended.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), recommended.len());
    for id in recommended {
        let item = app.get(&format!("/item/{id}")).await.body;
        assert_ne!(item["uuid"], me.uuid, "never my own item");
        assert!(item["sold"] == 1 || item["sold"] == -1, "only live items: {item}");
        assert!(item.get("deleted").is_none());
    }
    let unknown = app.get("/recommend/999999999").await;
    assert!(unknown.body.is_array());
    app.get("/recommend/abc").await.assert_failure("invaild request");
}

/// A query of more than 16 distinct terms keeps its rarest ones, wherever they were typed:
/// here the one word that finds the listing comes after seventeen common ones.
#[tokio::test]
async fn a_long_query_keeps_its_rarest_terms() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let t = unique_word();
    let common: Vec<String> = (b'a'..=b'q').map(|c| format!("{t}{}", char::from(c))).collect();
    add_many(&app, &user, &common.join(" "), 20).await;
    let rare = format!("{t}zz");
    let target = add(&app, &user, &format!("{rare} 台灯"), "自提").await;
    let mut config = foof_shared::config::Config::from_env().unwrap();
    config.compact_at_deltas = 1;
    let adapters =
        foof_shared::app::Adapters::from_config(config, std::sync::Arc::new(foof_domain::clock::SystemClock))
            .await
            .unwrap();
    for word in &common {
        adapters.compactor().compact(&format!("g#{word}")).await.unwrap();
    }
    let query = format!("{} {rare}", common.join(" "));
    let reply = app
        .post("/item/search", json!({"method": "good", "query": query, "size": 200}))
        .await
        .body;
    assert!(ids(&reply).contains(&target), "{reply}");
    assert_eq!(reply["hits"]["total"].as_u64(), Some(21));
}
