//! /fav/query, /fav/add, /fav/delete over HTTP against the emulators.

use foof_tests::{TestApp, TestUser};
use serde_json::{Value, json};

async fn favourites(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let reply = app.post("/fav/query", json!({"token": user.token})).await;
    assert_eq!(reply.body["status"], "success");
    reply.body["res"].as_array().unwrap().clone()
}

#[tokio::test]
async fn add_query_delete_in_insertion_order() {
    let app = TestApp::spawn().await;
    let (seller, fan) = (app.register().await, app.register().await);
    let (a, b, c) = (
        app.add_item(&seller, json!({})).await,
        app.add_item(&seller, json!({})).await,
        app.add_item(&seller, json!({})).await,
    );
    assert!(favourites(&app, &fan).await.is_empty());

    app.post("/fav/add", json!({"token": fan.token, "data": format!("[{c}]")}))
        .await
        .assert_success();
    app.post(
        "/fav/add",
        json!({"token": fan.token, "data": format!("[{a}, \"{b}\"]")}),
    )
    .await
    .assert_success();
    let rows = favourites(&app, &fan).await;
    let items: Vec<i64> = rows.iter().map(|r| r["itemid"].as_i64().unwrap()).collect();
    assert_eq!(items, [c, a, b]);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow with insertion: {ids:?}");
    assert!(
        rows.iter()
            .all(|r| r["uuid"] == fan.uuid && r.as_object().unwrap().len() == 3)
    );

    app.post_form("/fav/delete", &[("token", &fan.token), ("data", &format!("[{a}]"))])
        .await
        .assert_success();
    let items: Vec<i64> = favourites(&app, &fan)
        .await
        .iter()
        .map(|r| r["itemid"].as_i64().unwrap())
        .collect();
    assert_eq!(items, [c, b]);
    assert!(favourites(&app, &seller).await.is_empty(), "favourites are per user");
}

#[tokio::test]
async fn adding_twice_or_unknown_items_is_a_successful_no_op() {
    let app = TestApp::spawn().await;
    let (seller, fan) = (app.register().await, app.register().await);
    let a = app.add_item(&seller, json!({})).await;
    app.post("/fav/add", json!({"token": fan.token, "data": format!("[{a}]")}))
        .await
        .assert_success();
    let first = favourites(&app, &fan).await;
    app.post(
        "/fav/add",
        json!({"token": fan.token, "data": format!("[{a}, {a}, 999999999]")}),
    )
    .await
    .assert_success();
    assert_eq!(
        favourites(&app, &fan).await,
        first,
        "no duplicate, no unknown item, same id"
    );
    app.post("/fav/delete", json!({"token": fan.token, "data": "[999999999]"}))
        .await
        .assert_success();
    app.post("/fav/add", json!({"token": fan.token, "data": "[]"}))
        .await
        .assert_success();
    assert_eq!(favourites(&app, &fan).await, first);
}

#[tokio::test]
async fn bad_data_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (seller, fan) = (app.register().await, app.register().await);
    let a = app.add_item(&seller, json!({})).await;
    app.post("/fav/add", json!({"token": fan.token, "data": format!("[{a}]")}))
        .await
        .assert_success();
    let before = favourites(&app, &fan).await;
    for data in [
        json!("[1"),
        json!("five"),
        json!("[0]"),
        json!("[\"x\"]"),
        json!({"a": 1}),
        json!(null),
    ] {
        app.post("/fav/add", json!({"token": fan.token, "data": data.clone()}))
            .await
            .assert_failure("invaild request");
        app.post("/fav/delete", json!({"token": fan.token, "data": data}))
            .await
            .assert_failure("invaild request");
    }
    let too_many: Vec<i64> = (1..=51).collect();
    app.post(
        "/fav/add",
        json!({"token": fan.token, "data": serde_json::to_string(&too_many).unwrap()}),
    )
    .await
    .assert_failure("invaild request");
    assert_eq!(favourites(&app, &fan).await, before);
    for path in ["/fav/query", "/fav/add", "/fav/delete"] {
        app.post(path, json!({"data": format!("[{a}]")}))
            .await
            .assert_forbidden();
    }
}

#[tokio::test]
async fn a_json_array_works_as_well_as_the_clients_string() {
    let app = TestApp::spawn().await;
    let (seller, fan) = (app.register().await, app.register().await);
    let (a, b) = (
        app.add_item(&seller, json!({})).await,
        app.add_item(&seller, json!({})).await,
    );
    app.post("/fav/add", json!({"token": fan.token, "data": [a, b.to_string()]}))
        .await
        .assert_success();
    assert_eq!(favourites(&app, &fan).await.len(), 2);
}
