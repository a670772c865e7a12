//! /safety/block, /safety/unblock and /safety/blocks over HTTP, and what a block refuses:
//! the blocked user's messages and trade requests to the blocker, and orders between the two.

use crate::helpers::{fetch, item, push};
use foof_tests::{TestApp, TestUser};
use serde_json::{Value, json};
use std::time::Duration;

async fn block(app: &TestApp, user: &TestUser, uuid: Value) -> foof_tests::Reply {
    app.post("/safety/block", json!({"token": user.token, "uuid": uuid}))
        .await
}

async fn unblock(app: &TestApp, user: &TestUser, uuid: i64) {
    app.post("/safety/unblock", json!({"token": user.token, "uuid": uuid}))
        .await
        .assert_success();
}

/// `/safety/blocks` as `user`: (uuid, createdAt) of each.
async fn blocks(app: &TestApp, user: &TestUser) -> Vec<(i64, String)> {
    let reply = app.post("/safety/blocks", json!({"token": user.token})).await;
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let keys: Vec<&String> = b.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["createdAt", "uuid"]);
            (b["uuid"].as_i64().unwrap(), b["createdAt"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// `/user/chat/push` from `from` to `to`: the reply.
async fn try_push(app: &TestApp, from: &TestUser, to: &TestUser, kind: i64, data: Value) -> foof_tests::Reply {
    app.post(
        "/user/chat/push",
        json!({"token": from.token, "to": to.uuid, "type": kind, "data": data}),
    )
    .await
}

#[tokio::test]
async fn blocking_listing_and_unblocking() {
    let app = TestApp::spawn().await;
    let (me, b, c) = (app.register().await, app.register().await, app.register().await);
    let (low, high) = if b.uuid < c.uuid { (&b, &c) } else { (&c, &b) };
    assert!(blocks(&app, &me).await.is_empty());
    block(&app, &me, json!(high.uuid)).await.assert_success();
    app.clock.advance(Duration::from_secs(5));
    block(&app, &me, json!(low.uuid.to_string())).await.assert_success();
    let listed = blocks(&app, &me).await;
    assert_eq!(
        listed.iter().map(|(uuid, _)| *uuid).collect::<Vec<_>>(),
        [low.uuid, high.uuid],
        "in uuid order"
    );
    assert!(listed.iter().all(|(_, at)| at.len() == 24 && at.ends_with('Z')));
    assert!(listed[1].1 < listed[0].1, "each block keeps its own time: {listed:?}");

    // Repeats change nothing, not even the time.
    app.clock.advance(Duration::from_secs(5));
    block(&app, &me, json!(high.uuid)).await.assert_success();
    assert_eq!(blocks(&app, &me).await, listed);
    assert!(blocks(&app, low).await.is_empty(), "a block is one-way");

    block(&app, &me, json!(me.uuid))
        .await
        .assert_failure("cannot block yourself");
    block(&app, &me, json!(999_999_999))
        .await
        .assert_failure("no such user");
    for bad in [json!(0), json!(-3), json!("abc"), Value::Null] {
        block(&app, &me, bad.clone()).await.assert_failure("invaild request");
        app.post("/safety/unblock", json!({"token": me.token, "uuid": bad}))
            .await
            .assert_failure("invaild request");
    }
    app.post("/safety/unblock", json!({"token": me.token, "uuid": me.uuid}))
        .await
        .assert_success();
    for path in ["/safety/block", "/safety/unblock", "/safety/blocks"] {
        app.post(path, json!({"uuid": b.uuid})).await.assert_forbidden();
        app.post(path, json!({"token": "nope", "uuid": b.uuid}))
            .await
            .assert_forbidden();
    }
    assert_eq!(blocks(&app, &me).await, listed, "refusals changed nothing");

    unblock(&app, &me, high.uuid).await;
    assert_eq!(blocks(&app, &me).await, [listed[0].clone()]);
    unblock(&app, &me, high.uuid).await;
    unblock(&app, &me, 999_999_999).await;
    let form = app
        .post_form(
            "/safety/unblock",
            &[("token", &me.token), ("uuid", &low.uuid.to_string())],
        )
        .await;
    form.assert_success();
    assert!(blocks(&app, &me).await.is_empty());
}

#[tokio::test]
async fn a_blocked_user_cannot_message_or_ask_the_blocker_to_trade() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (app.register().await, app.register().await, app.register().await);
    let itemid = app.add_item(&a, json!({})).await;
    block(&app, &a, json!(b.uuid)).await.assert_success();

    try_push(&app, &b, &a, 1, json!("在吗"))
        .await
        .assert_failure("message refused");
    try_push(&app, &b, &a, 0, json!(itemid))
        .await
        .assert_failure("message refused");
    assert!(
        fetch(&app, &a, "fetchall", json!({})).await.is_empty(),
        "nothing reached A"
    );

    // The blocker may still write, and others may still write to the blocker.
    push(&app, &a, b.uuid, 1, json!("别再发了")).await;
    let received = fetch(&app, &b, "fetchall", json!({})).await;
    assert_eq!(
        (received.len(), &received[0]["from"], &received[0]["data"]),
        (1, &json!(a.uuid), &json!("别再发了"))
    );
    push(&app, &c, a.uuid, 0, json!(itemid)).await;
    let inbox = fetch(&app, &a, "fetchall", json!({})).await;
    assert_eq!(
        inbox.iter().map(|m| m["from"].clone()).collect::<Vec<_>>(),
        [json!(c.uuid)]
    );

    unblock(&app, &a, b.uuid).await;
    push(&app, &b, a.uuid, 1, json!("好的")).await;
    push(&app, &b, a.uuid, 0, json!(itemid)).await;
    let from_b: Vec<(Value, Value)> = fetch(&app, &a, "fetchall", json!({}))
        .await
        .iter()
        .filter(|m| m["from"] == b.uuid)
        .map(|m| (m["type"].clone(), m["data"].clone()))
        .collect();
    assert_eq!(
        from_b,
        [(json!(1), json!("好的")), (json!(0), json!(itemid.to_string()))]
    );
}

#[tokio::test]
async fn orders_between_users_who_block_each_other_are_refused() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = app.add_item(&seller, json!({})).await;
    let before = item(&app, itemid).await;
    let order = || {
        app.post(
            "/item/order",
            json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
        )
    };
    for (blocker, blocked) in [(&seller, &buyer), (&buyer, &seller)] {
        block(&app, blocker, json!(blocked.uuid)).await.assert_success();
        order().await.assert_failure("not for trade");
        assert_eq!(item(&app, itemid).await, before, "the item did not change");
        unblock(&app, blocker, blocked.uuid).await;
    }
    order().await.assert_success();
    let reserved = item(&app, itemid).await;
    assert_eq!((&reserved["sold"], &reserved["to"]), (&json!(3), &json!(buyer.uuid)));
}

#[tokio::test]
async fn a_user_blocks_at_most_max_blocks_users() {
    let app = TestApp::spawn_with(|config| config.max_blocks = 2).await;
    let me = app.register().await;
    let (first, second, third) = (app.register().await, app.register().await, app.register().await);
    for user in [&first, &second] {
        block(&app, &me, json!(user.uuid)).await.assert_success();
    }
    block(&app, &me, json!(third.uuid))
        .await
        .assert_failure("too many blocks");
    block(&app, &me, json!(first.uuid)).await.assert_success();
    assert_eq!(blocks(&app, &me).await.len(), 2, "a repeat at the cap is still fine");
    app.post("/safety/unblock", json!({"token": me.token, "uuid": first.uuid}))
        .await
        .assert_success();
    block(&app, &me, json!(third.uuid)).await.assert_success();
}
