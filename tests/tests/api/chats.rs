//! /user/chat/push, /user/chat/fetchnew, /user/chat/fetchall over HTTP against the emulators.

use crate::helpers::{fetch, push};
use foof_tests::TestApp;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

fn is_iso_millis(value: &Value) -> bool {
    let s = value.as_str().unwrap_or_default();
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn pushed_messages_arrive_once_by_fetchnew_oldest_first() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    push(&app, &a, b.uuid, 1, json!("hi, world.")).await;
    push(&app, &a, b.uuid, 0, json!(42)).await;
    let new = fetch(&app, &b, "fetchnew", json!({})).await;
    assert_eq!(new.len(), 2);
    let first = new[0].as_object().unwrap();
    assert_eq!(
        first.keys().cloned().collect::<Vec<_>>(),
        ["createdAt", "data", "fetched", "from", "id", "to", "type", "updatedAt"]
    );
    assert_eq!(
        (
            &new[0]["from"],
            &new[0]["to"],
            &new[0]["type"],
            &new[0]["data"],
            &new[0]["fetched"]
        ),
        (
            &json!(a.uuid),
            &json!(b.uuid),
            &json!(1),
            &json!("hi, world."),
            &json!(false)
        )
    );
    assert_eq!(
        (&new[1]["type"], &new[1]["data"]),
        (&json!(0), &json!("42")),
        "numbers become strings"
    );
    assert!(new[0]["id"].as_i64().unwrap() < new[1]["id"].as_i64().unwrap());
    assert!(is_iso_millis(&new[0]["createdAt"]) && is_iso_millis(&new[0]["updatedAt"]));
    assert!(
        fetch(&app, &b, "fetchnew", json!({})).await.is_empty(),
        "each message once"
    );
    assert!(
        fetch(&app, &a, "fetchnew", json!({})).await.is_empty(),
        "sent messages are not incoming"
    );
}

#[tokio::test]
async fn fetchall_returns_everything_with_its_previous_state_and_marks_it() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    push(&app, &a, b.uuid, 1, json!("one")).await;
    fetch(&app, &b, "fetchnew", json!({})).await;
    push(&app, &a, b.uuid, 1, json!("two")).await;
    push(&app, &b, a.uuid, 1, json!("reply")).await;
    app.clock.advance(std::time::Duration::from_secs(1));
    let all = fetch(&app, &b, "fetchall", json!({})).await;
    let seen: Vec<(Value, Value)> = all.iter().map(|m| (m["data"].clone(), m["fetched"].clone())).collect();
    assert_eq!(seen, [(json!("one"), json!(true)), (json!("two"), json!(false))]);
    assert!(
        fetch(&app, &b, "fetchnew", json!({})).await.is_empty(),
        "fetchall consumed the new one"
    );
    let again = fetch(&app, &b, "fetchall", json!({})).await;
    assert!(again.iter().all(|m| m["fetched"] == true));
    assert_eq!(again[1]["createdAt"], all[1]["createdAt"]);
    assert_ne!(
        again[1]["updatedAt"], all[1]["updatedAt"],
        "marking it fetched updated it"
    );
}

#[tokio::test]
async fn paging_with_after_and_limit() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    for i in 0..5 {
        push(&app, &a, b.uuid, 1, json!(format!("m{i}"))).await;
    }
    let page = fetch(&app, &b, "fetchall", json!({"limit": 2})).await;
    assert_eq!(
        page.iter().map(|m| m["data"].clone()).collect::<Vec<_>>(),
        [json!("m0"), json!("m1")]
    );
    let after = page[1]["id"].clone();
    let rest = fetch(&app, &b, "fetchnew", json!({"after": after})).await;
    assert_eq!(
        rest.iter().map(|m| m["data"].clone()).collect::<Vec<_>>(),
        [json!("m2"), json!("m3"), json!("m4")]
    );
    for bad in [
        json!({"limit": 0}),
        json!({"limit": 501}),
        json!({"after": -1}),
        json!({"limit": "x"}),
    ] {
        let mut body = bad.clone();
        body["token"] = json!(b.token);
        app.post("/user/chat/fetchall", body.clone())
            .await
            .assert_failure("invaild request");
        app.post("/user/chat/fetchnew", body)
            .await
            .assert_failure("invaild request");
    }
}

#[tokio::test]
async fn push_failures() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    app.post(
        "/user/chat/push",
        json!({"token": a.token, "to": 999999999, "type": 1, "data": "hi"}),
    )
    .await
    .assert_failure("no such user");
    for body in [
        json!({"token": a.token, "to": b.uuid, "type": 2, "data": "hi"}),
        json!({"token": a.token, "to": b.uuid, "type": -4, "data": "hi"}),
        json!({"token": a.token, "to": b.uuid, "type": "x", "data": "hi"}),
        json!({"token": a.token, "to": b.uuid, "type": 1, "data": ""}),
        json!({"token": a.token, "to": b.uuid, "type": 1, "data": "字".repeat(256)}),
        json!({"token": a.token, "to": b.uuid, "type": 1}),
        json!({"token": a.token, "type": 1, "data": "hi"}),
        json!({"token": a.token, "to": b.uuid, "data": "hi"}),
    ] {
        app.post("/user/chat/push", body)
            .await
            .assert_failure("invaild request");
    }
    app.post("/user/chat/push", json!({"to": b.uuid, "type": 1, "data": "hi"}))
        .await
        .assert_forbidden();
    app.post("/user/chat/fetchnew", json!({})).await.assert_forbidden();
    app.post("/user/chat/fetchall", json!({"token": "x"}))
        .await
        .assert_forbidden();
    assert!(
        fetch(&app, &b, "fetchall", json!({})).await.is_empty(),
        "nothing was stored"
    );
    // 255 characters is fine, and form bodies work.
    let long = "字".repeat(255);
    app.post_form(
        "/user/chat/push",
        &[
            ("token", &a.token),
            ("to", &b.uuid.to_string()),
            ("type", "1"),
            ("data", &long),
        ],
    )
    .await
    .assert_success();
}

#[tokio::test]
async fn racing_fetchnew_calls_deliver_each_message_exactly_once() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    let pushes = (0..30).map(|i| {
        app.post(
            "/user/chat/push",
            json!({"token": a.token, "to": b.uuid, "type": 1, "data": format!("n{i}")}),
        )
    });
    for reply in join_all(pushes).await {
        reply.assert_success();
    }
    let polls = (0..8).map(|_| fetch(&app, &b, "fetchnew", json!({})));
    let batches = join_all(polls).await;
    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    for batch in &batches {
        let ids: Vec<i64> = batch.iter().map(|m| m["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "each batch is oldest first");
        for message in batch {
            *delivered
                .entry(message["data"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let leftovers = fetch(&app, &b, "fetchnew", json!({})).await;
    for message in &leftovers {
        *delivered
            .entry(message["data"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(delivered.len(), 30, "no message lost");
    assert!(
        delivered.values().all(|count| *count == 1),
        "a message was delivered twice: {delivered:?}"
    );
}

#[tokio::test]
async fn pushes_are_limited_per_sender_per_minute_and_per_day() {
    let app = TestApp::spawn_with(|config| config.pushes.per_day.max = 35).await;
    let (a, b, c) = (app.register().await, app.register().await, app.register().await);
    let push_from = |from: &foof_tests::TestUser, text: String| {
        app.post(
            "/user/chat/push",
            json!({"token": from.token, "to": b.uuid, "type": 1, "data": text}),
        )
    };
    for i in 0..30 {
        push_from(&a, format!("m{i}")).await.assert_success();
    }
    push_from(&a, "one too many".into())
        .await
        .assert_failure("request too frequent");
    push_from(&c, "another sender".into()).await.assert_success();
    app.clock.advance(Duration::from_secs(61));
    for i in 30..35 {
        push_from(&a, format!("m{i}")).await.assert_success();
    }
    push_from(&a, "over the day".into())
        .await
        .assert_failure("request too frequent");
    app.clock.advance(Duration::from_secs(61));
    push_from(&a, "still over the day".into())
        .await
        .assert_failure("request too frequent");
    let inbox = fetch(&app, &b, "fetchall", json!({})).await;
    assert_eq!(inbox.len(), 36, "only the accepted pushes were stored");
}

#[tokio::test]
async fn fetchnew_without_a_limit_hands_a_flooded_inbox_out_a_page_per_poll() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register().await, app.register().await);
    for minute in 0..5 {
        for i in 0..30 {
            push(&app, &a, b.uuid, 1, json!(format!("m{}", minute * 30 + i))).await;
        }
        app.clock.advance(Duration::from_secs(61));
    }
    let first = fetch(&app, &b, "fetchnew", json!({})).await;
    let second = fetch(&app, &b, "fetchnew", json!({})).await;
    let third = fetch(&app, &b, "fetchnew", json!({})).await;
    assert_eq!((first.len(), second.len(), third.len()), (100, 50, 0));
    assert_eq!(first[0]["data"], "m0");
    assert_eq!(second[49]["data"], "m149");
}

/// The client reads its history with a bare `fetchall` and shows it newest last: a flooded
/// inbox gives the newest page, and what did not fit waits, unfetched, for `fetchnew`.
#[tokio::test]
async fn fetchall_without_paging_gives_the_newest_page_and_leaves_older_messages_for_fetchnew() {
    let app = TestApp::spawn_with(|config| {
        config.pushes.per_minute.max = 1_000;
    })
    .await;
    let (a, b) = (app.register().await, app.register().await);
    for i in 0..510 {
        push(&app, &a, b.uuid, 1, json!(format!("m{i:03}"))).await;
    }
    let history = fetch(&app, &b, "fetchall", json!({})).await;
    let data: Vec<&str> = history.iter().map(|m| m["data"].as_str().unwrap()).collect();
    assert_eq!(data.len(), 500);
    assert_eq!((data[0], data[499]), ("m010", "m509"), "the newest 500, in id order");
    let older = fetch(&app, &b, "fetchnew", json!({})).await;
    let older: Vec<&str> = older.iter().map(|m| m["data"].as_str().unwrap()).collect();
    assert_eq!(older, (0..10).map(|i| format!("m{i:03}")).collect::<Vec<_>>());
    let after = history[489]["id"].as_i64().unwrap();
    let next = fetch(&app, &b, "fetchall", json!({"after": after})).await;
    assert_eq!(next.len(), 10, "with `after`, the messages after it");
    assert!(next.iter().all(|m| m["fetched"] == true));
}
