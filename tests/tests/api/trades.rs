//! The trade workflow (/item/order, /item/trade, /item/reset, /user/want/delete,
//! /user/want/deleteall) as the real client drives it, over HTTP against the emulators.

use crate::helpers::{fetch, push};
use foof_tests::fixtures::PHOTO;
use foof_tests::{TestApp, TestUser};
use futures_util::future::join_all;
use serde_json::{Value, json};

async fn item(app: &TestApp, itemid: i64) -> Value {
    app.get(&format!("/item/{itemid}")).await.body
}

/// Everything in `user`'s inbox.
async fn messages(app: &TestApp, user: &TestUser) -> Vec<Value> {
    fetch(app, user, "fetchall", json!({})).await
}

/// The contract's client scenario: request → order → finished list → trade → sold.
#[tokio::test]
async fn a_sale_from_request_to_receipt_as_the_client_does_it() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    let id = itemid.to_string();
    let upload = app
        .post_multipart(
            "/item/image",
            &[("token", &seller.token), ("itemid", &id), ("path", "a++b")],
            vec![
                ("file", "image.jpg", PHOTO.to_vec()),
                ("file", "image.jpg", PHOTO.to_vec()),
            ],
        )
        .await;
    assert_eq!(upload.body["status"], "success");
    let imgurl = item(&app, itemid).await["imgurl"].as_str().unwrap().to_owned();
    let paths: Vec<&str> = imgurl.split("++").filter(|p| !p.is_empty()).collect();
    assert_eq!(paths.len(), 2);
    for path in &paths {
        assert_eq!(app.get_bytes(&format!("/{path}")).await.0, 200);
    }

    // B favourites it and asks to buy ("我想购买").
    app.post("/fav/add", json!({"token": buyer.token, "data": format!("[{itemid}]")}))
        .await
        .assert_success();
    let favs = app.post("/fav/query", json!({"token": buyer.token})).await.body;
    assert_eq!(favs["res"][0]["itemid"], itemid);
    push(&app, &buyer, seller.uuid, 0, json!(itemid)).await;

    // A sees the request and agrees: order, want/delete (the client's call without id fails), push -2.
    let inbox = messages(&app, &seller).await;
    let request = inbox.iter().find(|m| m["type"] == 0).expect("the trade request");
    assert_eq!((&request["data"], &request["from"]), (&json!(id), &json!(buyer.uuid)));
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": request["from"], "itemid": request["data"]}),
    )
    .await
    .assert_success();
    let reserved = item(&app, itemid).await;
    assert_eq!((&reserved["sold"], &reserved["to"]), (&json!(3), &json!(buyer.uuid)));
    app.post(
        "/user/want/delete",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
    )
    .await
    .assert_failure("invaild request");
    let deleted = app
        .post("/user/want/delete", json!({"token": seller.token, "id": request["id"]}))
        .await;
    assert_eq!(deleted.body, json!({"status": "success", "info": 1}));
    push(&app, &seller, buyer.uuid, -2, json!(itemid)).await;

    // B: finished lists it (reserved), the -2 message arrived, B confirms receipt.
    let finished = app.post("/user/finished", json!({"token": buyer.token})).await.body;
    assert_eq!(
        (&finished[0]["itemid"], &finished[0]["sold"]),
        (&json!(itemid), &json!(3))
    );
    assert!(
        messages(&app, &buyer)
            .await
            .iter()
            .any(|m| m["type"] == -2 && m["data"] == id)
    );
    app.post("/item/trade", json!({"token": buyer.token, "itemid": itemid}))
        .await
        .assert_success();
    assert_eq!(item(&app, itemid).await["sold"], 2);
    push(&app, &buyer, seller.uuid, -3, json!(itemid)).await;
    assert_eq!(
        app.post("/user/finished", json!({"token": buyer.token})).await.body[0]["sold"],
        2
    );
    let sold: Vec<Value> = app
        .post("/user/published", json!({"token": seller.token, "uuid": seller.uuid}))
        .await
        .body
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(sold[0]["sold"], 2);

    // Afterwards: a sold item is not for trade, and the seller's inbox shows the receipt.
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
    )
    .await
    .assert_failure("not for trade");
    assert!(messages(&app, &seller).await.iter().any(|m| m["type"] == -3));
}

#[tokio::test]
async fn the_seller_refuses_a_request() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    push(&app, &buyer, seller.uuid, 0, json!(itemid)).await;
    let request = messages(&app, &seller)
        .await
        .into_iter()
        .find(|m| m["type"] == 0)
        .unwrap();
    push(&app, &seller, buyer.uuid, -1, json!(itemid)).await;
    let deleted = app
        .post("/user/want/delete", json!({"token": seller.token, "id": request["id"]}))
        .await;
    assert_eq!(deleted.body, json!({"status": "success", "info": 1}));
    let refusal = messages(&app, &buyer)
        .await
        .into_iter()
        .find(|m| m["type"] == -1)
        .unwrap();
    // "我知道了": the buyer deletes the refusal.
    assert_eq!(
        app.post("/user/want/delete", json!({"token": buyer.token, "id": refusal["id"]}))
            .await
            .body,
        json!({"status": "success", "info": 1})
    );
    assert!(messages(&app, &buyer).await.is_empty());
    assert_eq!(item(&app, itemid).await["sold"], 1);
}

#[tokio::test]
async fn an_aborted_trade_goes_back_on_sale() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({"sold": "-1"})).await;
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid.to_string()}),
    )
    .await
    .assert_success();
    assert_eq!(item(&app, itemid).await["sold"], -3);
    // The client's "终止交易" calls reset as the buyer: refused.
    app.post("/item/reset", json!({"token": buyer.token, "itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    app.post("/item/reset", json!({"token": seller.token, "itemid": itemid}))
        .await
        .assert_success();
    let back = item(&app, itemid).await;
    assert_eq!((&back["sold"], &back["to"]), (&json!(-1), &json!(0)));
    assert_eq!(
        app.post("/user/finished", json!({"token": buyer.token})).await.body,
        json!([])
    );
    app.post("/item/reset", json!({"token": seller.token, "itemid": itemid}))
        .await
        .assert_failure("invaild request");
    app.post("/item/trade", json!({"token": buyer.token, "itemid": itemid}))
        .await
        .assert_failure("item not availabe for trade");
}

#[tokio::test]
async fn order_trade_and_reset_failures() {
    let app = TestApp::spawn().await;
    let (seller, buyer, stranger) = (app.register().await, app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    let post = |path: &'static str, user: &TestUser, body: Value| {
        let mut body = body;
        body["token"] = json!(user.token);
        let app = &app;
        async move { app.post(path, body).await }
    };
    post("/item/order", &stranger, json!({"to": buyer.uuid, "itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    post("/item/order", &seller, json!({"to": 999999999, "itemid": itemid}))
        .await
        .assert_failure("no such user");
    post("/item/order", &seller, json!({"to": seller.uuid, "itemid": itemid}))
        .await
        .assert_failure("invaild request");
    post("/item/order", &seller, json!({"to": buyer.uuid, "itemid": 999999999}))
        .await
        .assert_failure("not for trade");
    post("/item/order", &seller, json!({"to": buyer.uuid}))
        .await
        .assert_failure("invaild request");
    post("/item/trade", &buyer, json!({"itemid": itemid}))
        .await
        .assert_failure("item not availabe for trade");
    post("/item/reset", &seller, json!({"itemid": itemid}))
        .await
        .assert_failure("invaild request");
    post("/item/reset", &seller, json!({"itemid": 999999999}))
        .await
        .assert_failure("no such item");
    assert_eq!(item(&app, itemid).await["sold"], 1, "nothing changed");

    post("/item/order", &seller, json!({"to": buyer.uuid, "itemid": itemid}))
        .await
        .assert_success();
    post("/item/order", &seller, json!({"to": stranger.uuid, "itemid": itemid}))
        .await
        .assert_failure("not for trade");
    post("/item/trade", &stranger, json!({"itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    post("/item/trade", &seller, json!({"itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    post("/item/reset", &stranger, json!({"itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    for path in [
        "/item/order",
        "/item/trade",
        "/item/reset",
        "/user/want/delete",
        "/user/want/deleteall",
    ] {
        app.post(path, json!({"itemid": itemid, "to": buyer.uuid, "id": 1}))
            .await
            .assert_forbidden();
    }

    // Deleted items refuse every transition.
    post("/item/delete", &seller, json!({"itemid": itemid}))
        .await
        .assert_success();
    post("/item/trade", &buyer, json!({"itemid": itemid}))
        .await
        .assert_failure("item not availabe for trade");
    post("/item/reset", &seller, json!({"itemid": itemid}))
        .await
        .assert_failure("no such item");
    let other = app.add_item(&seller, json!({})).await;
    post("/item/delete", &seller, json!({"itemid": other}))
        .await
        .assert_success();
    post("/item/order", &seller, json!({"to": buyer.uuid, "itemid": other}))
        .await
        .assert_failure("not for trade");
}

#[tokio::test]
async fn want_delete_and_deleteall_respect_ownership() {
    let app = TestApp::spawn().await;
    let (seller, buyer, other) = (app.register().await, app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    let unrelated = app.add_item(&seller, json!({})).await;
    push(&app, &buyer, seller.uuid, 0, json!(itemid)).await;
    push(&app, &other, seller.uuid, 0, json!(itemid.to_string())).await;
    push(&app, &buyer, seller.uuid, 1, json!(itemid)).await; // chat text that happens to equal the id
    push(&app, &buyer, seller.uuid, 0, json!(unrelated)).await;
    push(&app, &seller, buyer.uuid, 0, json!(itemid)).await; // addressed to someone else

    let inbox = messages(&app, &seller).await;
    let theirs = messages(&app, &buyer).await;
    app.post("/user/want/delete", json!({"token": buyer.token, "id": inbox[0]["id"]}))
        .await
        .assert_failure("Insufficient permissions");
    app.post("/user/want/delete", json!({"token": seller.token, "id": 999999999}))
        .await
        .assert_failure("no such message");
    app.post("/user/want/delete", json!({"token": seller.token}))
        .await
        .assert_failure("invaild request");

    app.post("/user/want/deleteall", json!({"token": buyer.token, "itemid": itemid}))
        .await
        .assert_failure("Insufficient permissions");
    app.post(
        "/user/want/deleteall",
        json!({"token": seller.token, "itemid": 999999999}),
    )
    .await
    .assert_failure("no such item");
    let reply = app
        .post("/user/want/deleteall", json!({"token": seller.token, "itemid": itemid}))
        .await;
    assert_eq!(reply.body, json!({"status": "success", "info": 2}));
    let left: Vec<(Value, Value)> = messages(&app, &seller)
        .await
        .iter()
        .map(|m| (m["type"].clone(), m["data"].clone()))
        .collect();
    assert_eq!(
        left,
        [
            (json!(1), json!(itemid.to_string())),
            (json!(0), json!(unrelated.to_string()))
        ]
    );
    assert_eq!(
        messages(&app, &buyer).await.len(),
        theirs.len(),
        "messages to others are untouched"
    );
    assert_eq!(inbox.len(), 4);
}

#[tokio::test]
async fn of_ten_racing_orders_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let seller = app.register().await;
    let buyers = join_all((0..10).map(|_| app.register())).await;
    let itemid = app.add_item(&seller, json!({})).await;
    let orders = buyers.iter().map(|b| {
        app.post(
            "/item/order",
            json!({"token": seller.token, "to": b.uuid, "itemid": itemid}),
        )
    });
    let replies = join_all(orders).await;
    let wins: Vec<usize> = replies
        .iter()
        .enumerate()
        .filter(|(_, r)| r.body["status"] == "success")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(wins.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.body["status"] != "success") {
        reply.assert_failure("not for trade");
    }
    assert_eq!(item(&app, itemid).await["to"], buyers[wins[0]].uuid);
}

#[tokio::test]
async fn of_eight_racing_trades_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
    )
    .await
    .assert_success();
    let trades = (0..8).map(|_| app.post("/item/trade", json!({"token": buyer.token, "itemid": itemid})));
    let replies = join_all(trades).await;
    assert_eq!(
        replies.iter().filter(|r| r.body["status"] == "success").count(),
        1,
        "{replies:?}"
    );
    for reply in replies.iter().filter(|r| r.body["status"] != "success") {
        reply.assert_failure("item not availabe for trade");
    }
    assert_eq!(item(&app, itemid).await["sold"], 2);
}
