//! Backend faults: with DynamoDB or S3/SES/SNS unreachable (refusing, or silent so that only
//! the SDK timeouts end a call) every endpoint answers 503 `server failed` within a bounded
//! time, and nothing is left half-written: the healthy stack afterwards sees the data intact.

use foof_tests::fixtures::PHOTO;
use foof_tests::{Reply, TestApp, TestUser, refusing_endpoint, silent_endpoint};
use futures_util::FutureExt;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Two attempts of at most 2 s within a 5 s operation budget, plus slack for a slow machine.
const BOUND: Duration = Duration::from_secs(8);

#[track_caller]
fn assert_server_failed(reply: &Reply, what: &str) {
    assert_eq!(
        (reply.status, &reply.body),
        (503, &json!({"status": "failure", "info": "server failed"})),
        "{what}"
    );
}

/// Calls touching DynamoDB on every code path, as `user` (registered on the healthy stack).
async fn dynamodb_calls(app: &TestApp, user: &TestUser, itemid: i64) -> Vec<(&'static str, Reply)> {
    let token = json!(user.token);
    let (user_path, item_path, recommend_path) = (
        format!("/user/{}", user.uuid),
        format!("/item/{itemid}"),
        format!("/recommend/{}", user.uuid),
    );
    let calls = vec![
        ("GET /user/{uuid}", app.get(&user_path).boxed()),
        ("POST /user/me", app.post("/user/me", json!({"token": token})).boxed()),
        ("POST /user/login", app.post("/user/login", json!({"phonenumber": user.phone, "password": user.password})).boxed()),
        ("POST /user/requirecode", app.post("/user/requirecode", json!({"phonenumber": "13900000000"})).boxed()),
        ("POST /user/modify", app.post("/user/modify", json!({"token": token, "username": "x"})).boxed()),
        ("POST /user/published", app.post("/user/published", json!({"uuid": user.uuid})).boxed()),
        ("GET /item/{itemid}", app.get(&item_path).boxed()),
        ("POST /item/add", app.post("/item/add", json!({"token": token, "title": "t", "type": 1, "price": 1, "depreciatione": 1, "note": "n", "sold": 1})).boxed()),
        ("POST /item/delete", app.post("/item/delete", json!({"token": token, "itemid": itemid})).boxed()),
        ("POST /fav/add", app.post("/fav/add", json!({"token": token, "data": format!("[{itemid}]")})).boxed()),
        ("POST /fav/query", app.post("/fav/query", json!({"token": token})).boxed()),
        ("POST /user/chat/push", app.post("/user/chat/push", json!({"token": token, "to": user.uuid, "type": 1, "data": "hi"})).boxed()),
        ("POST /user/chat/fetchnew", app.post("/user/chat/fetchnew", json!({"token": token})).boxed()),
        ("POST /item/order", app.post("/item/order", json!({"token": token, "to": 1, "itemid": itemid})).boxed()),
        ("POST /item/search", app.post("/item/search", json!({"method": "good", "query": "自行车"})).boxed()),
        ("GET /recommend/{uuid}", app.get(&recommend_path).boxed()),
    ];
    let (names, futures): (Vec<_>, Vec<_>) = calls.into_iter().unzip();
    names.into_iter().zip(join_all(futures).await).collect()
}

async fn seeded() -> (TestApp, TestUser, i64, Value) {
    let healthy = TestApp::spawn().await;
    let user = healthy.register().await;
    let itemid = healthy.add_item(&user, json!({})).await;
    let snapshot = json!({"me": healthy.me(&user).await, "item": healthy.get(&format!("/item/{itemid}")).await.body});
    (healthy, user, itemid, snapshot)
}

async fn assert_intact(healthy: &TestApp, user: &TestUser, itemid: i64, snapshot: &Value) {
    let now = json!({"me": healthy.me(user).await, "item": healthy.get(&format!("/item/{itemid}")).await.body});
    assert_eq!(&now, snapshot, "data changed during the fault");
    assert_eq!(
        healthy.post("/fav/query", json!({"token": user.token})).await.body["res"],
        json!([])
    );
}

#[tokio::test]
async fn dynamodb_refusing_connections_gives_503_everywhere() {
    let (healthy, user, itemid, snapshot) = seeded().await;
    let dead = refusing_endpoint().await;
    let broken = TestApp::spawn_with(|config| config.endpoints.dynamodb = Some(dead)).await;
    let started = Instant::now();
    for (what, reply) in dynamodb_calls(&broken, &user, itemid).await {
        assert_server_failed(&reply, what);
    }
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    assert_intact(&healthy, &user, itemid, &snapshot).await;
}

#[tokio::test]
async fn dynamodb_that_never_answers_gives_503_within_the_timeout_budget() {
    let (healthy, user, itemid, snapshot) = seeded().await;
    let silent = silent_endpoint().await;
    let broken = TestApp::spawn_with(|config| config.endpoints.dynamodb = Some(silent)).await;
    let started = Instant::now();
    for (what, reply) in dynamodb_calls(&broken, &user, itemid).await {
        assert_server_failed(&reply, what);
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2) && elapsed < BOUND, "took {elapsed:?}");
    assert_intact(&healthy, &user, itemid, &snapshot).await;
}

#[tokio::test]
async fn s3_ses_and_sns_down_give_503_and_change_nothing() {
    let (healthy, user, itemid, snapshot) = seeded().await;
    let dead = refusing_endpoint().await;
    let broken = TestApp::spawn_with(|config| config.endpoints.others = Some(dead)).await;
    let started = Instant::now();

    // SNS: the code is withdrawn again, so the user may ask at once when SMS works again.
    let phone = foof_tests::unique_phone();
    assert_server_failed(
        &broken.post("/user/requirecode", json!({"phonenumber": phone})).await,
        "requirecode",
    );
    healthy.request_code(&phone).await;

    // SES.
    let mail = broken
        .post("/user/mail/verify", json!({"token": user.token, "idcard": "213170001"}))
        .await;
    assert_server_failed(&mail, "mail/verify");

    // S3: avatar and item pictures, and serving images.
    let avatar = broken
        .post_multipart(
            "/user/avatar",
            &[("token", &user.token)],
            vec![("file", "a.jpg", PHOTO.to_vec())],
        )
        .await;
    assert_server_failed(&avatar, "avatar");
    let id = itemid.to_string();
    let pictures = broken
        .post_multipart(
            "/item/image",
            &[("token", &user.token), ("itemid", &id)],
            vec![("file", "a.jpg", PHOTO.to_vec())],
        )
        .await;
    assert_server_failed(&pictures, "item/image");
    assert_server_failed(&broken.get("/image/avatar/default.jpg").await, "GET /image");
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());

    assert_intact(&healthy, &user, itemid, &snapshot).await;
    assert_eq!(
        healthy
            .get_bytes(&format!("/image/item/{}-{itemid}-0.jpg", user.uuid))
            .await
            .0,
        404,
        "no stray picture"
    );
}
