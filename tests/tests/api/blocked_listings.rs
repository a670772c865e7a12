//! A searcher who sends a login token is not shown the listings of the users they block
//! (/item/search); searching stays open to anyone, and a bad token is no login, not a refusal.

use foof_tests::{TestApp, TestUser, unique_word};
use serde_json::{Value, json};

/// `/item/search` for goods matching `word`, with `token` as Bearer if given: the hit ids and total.
async fn found(app: &TestApp, word: &str, token: Option<&str>) -> (Vec<i64>, u64) {
    let request = app
        .http
        .post(app.url("/item/search"))
        .json(&json!({"method": "good", "query": word}));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let reply: Value = request.send().await.unwrap().json().await.unwrap();
    let hits = reply["hits"]["hits"].as_array().expect("a search envelope");
    let ids = hits
        .iter()
        .map(|h| h["_id"].as_str().unwrap().parse().unwrap())
        .collect();
    (ids, reply["hits"]["total"].as_u64().unwrap())
}

async fn block(app: &TestApp, who: &TestUser, whom: &TestUser, path: &str) {
    app.post(path, json!({"token": who.token, "uuid": whom.uuid}))
        .await
        .assert_success();
}

#[tokio::test]
async fn a_searcher_is_not_shown_the_listings_of_users_they_block() {
    let app = TestApp::spawn().await;
    let (blocked, other, searcher) = (app.register().await, app.register().await, app.register().await);
    let word = unique_word();
    let theirs = app.add_item(&blocked, json!({"title": format!("台灯 {word}")})).await;
    let also_theirs = app.add_item(&blocked, json!({"title": format!("书架 {word}")})).await;
    let others = app.add_item(&other, json!({"title": format!("台灯 {word}")})).await;
    let mut everything = vec![theirs, also_theirs, others];
    everything.sort_unstable();

    block(&app, &searcher, &blocked, "/safety/block").await;
    let (mine, total) = found(&app, &word, Some(&searcher.token)).await;
    assert_eq!(
        (mine, total),
        (vec![others], 1),
        "the total counts only what the searcher may see"
    );

    let (anyone, total) = found(&app, &word, None).await;
    let mut anyone = anyone;
    anyone.sort_unstable();
    assert_eq!(
        (anyone, total),
        (everything.clone(), 3),
        "an anonymous search shows everything"
    );
    let (as_other, _) = found(&app, &word, Some(&other.token)).await;
    assert_eq!(as_other.len(), 3, "only the blocker's searches change");

    // The token in the body, as the client sends it on its other routes.
    let reply = app
        .post(
            "/item/search",
            json!({"method": "good", "query": word, "token": searcher.token}),
        )
        .await;
    assert_eq!(reply.body["hits"]["total"], 1);

    block(&app, &searcher, &blocked, "/safety/unblock").await;
    let (mine, total) = found(&app, &word, Some(&searcher.token)).await;
    let mut mine = mine;
    mine.sort_unstable();
    assert_eq!((mine, total), (everything, 3), "an unblocked user's listings come back");
}

#[tokio::test]
async fn a_bad_token_on_a_search_is_no_login_and_no_refusal() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let word = unique_word();
    let itemid = app.add_item(&user, json!({"title": format!("台灯 {word}")})).await;
    for token in ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJ1dWlkIjoxfQ.forged"] {
        assert_eq!(found(&app, &word, Some(token)).await, (vec![itemid], 1), "{token}");
    }
    let reply = app
        .post("/item/search", json!({"method": "good", "query": word, "token": 42}))
        .await;
    assert_eq!(reply.body["hits"]["total"], 1, "{reply:?}");
}

#[tokio::test]
async fn user_search_is_not_filtered_by_blocks() {
    let app = TestApp::spawn().await;
    let (blocked, searcher) = (app.register().await, app.register().await);
    let word = unique_word();
    app.post(
        "/user/modify",
        json!({"token": blocked.token, "username": format!("卖家 {word}")}),
    )
    .await
    .assert_success();
    block(&app, &searcher, &blocked, "/safety/block").await;
    let reply = app
        .post(
            "/item/search",
            json!({"method": "user", "query": word, "token": searcher.token}),
        )
        .await;
    assert_eq!(
        reply.body["hits"]["hits"][0]["_id"],
        blocked.uuid.to_string(),
        "{reply:?}"
    );
}
