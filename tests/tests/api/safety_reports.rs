//! /safety/report over HTTP: what a report records, its refusals, repeats (also racing ones),
//! and listings hidden once enough distinct users reported them.

use crate::helpers::{
    hidden, item, moderator, open_reports, published, push, report, report_id, search_goods, text_to,
};
use foof_tests::{TestApp, unique_word};
use futures_util::future::join_all;
use serde_json::{Value, json};

const PENDING_REVIEW: &str = "reported by several users, pending review";

fn is_iso_millis(value: &Value) -> bool {
    let s = value.as_str().unwrap_or_default();
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T'
}

/// The queue entry as the moderator reads it, `createdAt` checked and left out.
fn without_time(report: &Value) -> Value {
    assert!(is_iso_millis(&report["createdAt"]), "{report}");
    let mut report = report.clone();
    report.as_object_mut().unwrap().remove("createdAt");
    report
}

#[tokio::test]
async fn a_report_of_each_kind_is_queued_once_with_its_subject() {
    let app = TestApp::spawn().await;
    let (reporter, seller, sender) = (app.register().await, app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let itemid = app.add_item(&seller, json!({})).await;
    let message = text_to(&app, &sender, &reporter, "买不买").await;

    let mut filed = Vec::new();
    for (kind, target, reason, note) in [
        ("item", itemid, "fraud", "  假货 \n"),
        ("user", seller.uuid, "harassment", ""),
        ("message", message, "offensive", "骂人"),
    ] {
        let reply = app
            .post(
                "/safety/report",
                json!({"token": reporter.token, "kind": kind, "target": target, "reason": reason, "note": note}),
            )
            .await;
        assert_eq!(reply.status, 200);
        let id = reply.body["data"]["id"].as_i64().expect("an id");
        assert_eq!(reply.body, json!({"status": "success", "data": {"id": id}}));
        filed.push(id);
    }
    assert!(filed.windows(2).all(|w| w[0] < w[1]), "{filed:?}");

    let queued = |kind: &'static str, target: i64| open_reports(&app, &moderator, kind, target);
    let item_reports = queued("item", itemid).await;
    assert_eq!(item_reports.len(), 1);
    let keys: Vec<&String> = item_reports[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "content",
            "createdAt",
            "id",
            "kind",
            "note",
            "reason",
            "reporter",
            "subject",
            "target"
        ]
    );
    assert_eq!(
        without_time(&item_reports[0]),
        json!({"id": filed[0], "kind": "item", "note": "假货", "reason": "fraud", "content": "九成新 小米充电宝",
               "reporter": reporter.uuid, "subject": seller.uuid, "target": itemid})
    );
    assert_eq!(
        queued("user", seller.uuid)
            .await
            .iter()
            .map(without_time)
            .collect::<Vec<_>>(),
        [
            json!({"id": filed[1], "kind": "user", "note": "", "reason": "harassment", "content": "新手咸鱼人员",
                  "reporter": reporter.uuid, "subject": seller.uuid, "target": seller.uuid})
        ]
    );
    assert_eq!(
        queued("message", message)
            .await
            .iter()
            .map(without_time)
            .collect::<Vec<_>>(),
        [
            json!({"id": filed[2], "kind": "message", "note": "骂人", "reason": "offensive", "content": "买不买",
                  "reporter": reporter.uuid, "subject": sender.uuid, "target": message})
        ],
        "a message's subject is its sender"
    );

    // Repeats, whatever their reason and note, and as a form: the same report, nothing new.
    let again = app
        .post(
            "/safety/report",
            json!({"token": reporter.token, "kind": "item", "target": itemid, "reason": "spam", "note": "再报"}),
        )
        .await;
    assert_eq!(again.body, json!({"status": "success", "data": {"id": filed[0]}}));
    let form = app
        .post_form(
            "/safety/report",
            &[
                ("token", &reporter.token),
                ("kind", "user"),
                ("target", &seller.uuid.to_string()),
                ("reason", "other"),
            ],
        )
        .await;
    assert_eq!(form.body, json!({"status": "success", "data": {"id": filed[1]}}));
    let bearer = app
        .http
        .post(app.url("/safety/report"))
        .bearer_auth(&reporter.token)
        .json(&json!({"kind": "message", "target": message, "reason": "spam"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(bearer, json!({"status": "success", "data": {"id": filed[2]}}));
    assert_eq!(
        queued("item", itemid).await,
        item_reports,
        "the first report stands unchanged"
    );
    assert_eq!(queued("user", seller.uuid).await.len(), 1);
    assert_eq!(queued("message", message).await.len(), 1);

    // Another reporter of the same listing files a report of their own.
    let other = app.register().await;
    let second = report_id(&app, &other, "item", itemid).await;
    assert!(second > filed[2]);
    let ids: Vec<Value> = queued("item", itemid).await.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!(filed[0]), json!(second)], "oldest first");
}

#[tokio::test]
async fn report_refusals() {
    let app = TestApp::spawn().await;
    let (me, seller, stranger) = (app.register().await, app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let mine = app.add_item(&me, json!({})).await;
    let theirs = app.add_item(&seller, json!({})).await;
    let deleted = app.add_item(&seller, json!({})).await;
    app.post("/item/delete", json!({"token": seller.token, "itemid": deleted}))
        .await
        .assert_success();
    let to_stranger = text_to(&app, &seller, &stranger, "not to me").await;
    let from_me = text_to(&app, &me, &seller, "from me").await;
    push(&app, &seller, me.uuid, 1, json!("to me")).await;

    report(&app, &me, "item", mine, "spam")
        .await
        .assert_failure("cannot report yourself");
    report(&app, &me, "user", me.uuid, "spam")
        .await
        .assert_failure("cannot report yourself");
    report(&app, &me, "item", 999_999_999, "spam")
        .await
        .assert_failure("no such item");
    report(&app, &me, "item", deleted, "spam")
        .await
        .assert_failure("no such item");
    report(&app, &me, "user", 999_999_999, "spam")
        .await
        .assert_failure("no such user");
    report(&app, &me, "message", 999_999_999, "spam")
        .await
        .assert_failure("no such message");
    for message in [to_stranger, from_me] {
        report(&app, &me, "message", message, "spam")
            .await
            .assert_failure("no such message");
    }
    let long = "字".repeat(201);
    for body in [
        json!({"kind": "listing", "target": theirs, "reason": "spam"}),
        json!({"kind": "Item", "target": theirs, "reason": "spam"}),
        json!({"kind": "item", "target": theirs, "reason": "scam"}),
        json!({"kind": "item", "target": theirs, "reason": "Spam"}),
        json!({"kind": "item", "target": 0, "reason": "spam"}),
        json!({"kind": "item", "target": -5, "reason": "spam"}),
        json!({"kind": "item", "target": "abc", "reason": "spam"}),
        json!({"kind": "item", "target": theirs, "reason": "spam", "note": long}),
        json!({"kind": "item", "target": theirs, "reason": "spam", "note": "a\u{0}b"}),
        json!({"target": theirs, "reason": "spam"}),
        json!({"kind": "item", "reason": "spam"}),
        json!({"kind": "item", "target": theirs}),
    ] {
        let mut body = body;
        body["token"] = json!(me.token);
        app.post("/safety/report", body.clone())
            .await
            .assert_failure("invaild request");
    }
    app.post(
        "/safety/report",
        json!({"kind": "item", "target": theirs, "reason": "spam"}),
    )
    .await
    .assert_forbidden();
    app.post(
        "/safety/report",
        json!({"token": "x", "kind": "item", "target": theirs, "reason": "spam"}),
    )
    .await
    .assert_forbidden();
    for (kind, target) in [("item", theirs), ("item", mine), ("item", deleted), ("user", me.uuid)] {
        assert!(
            open_reports(&app, &moderator, kind, target).await.is_empty(),
            "nothing was filed against {kind} {target}"
        );
    }

    // A note of exactly 200 characters is fine, and so is every reason.
    let note = "字".repeat(200);
    let reply = app
        .post(
            "/safety/report",
            json!({"token": me.token, "kind": "item", "target": theirs, "reason": "prohibited", "note": note}),
        )
        .await;
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    assert_eq!(open_reports(&app, &moderator, "item", theirs).await[0]["note"], note);
    for reason in ["spam", "fraud", "prohibited", "offensive", "harassment", "other"] {
        let reporter = app.register().await;
        let reply = report(&app, &reporter, "user", stranger.uuid, reason).await;
        assert_eq!(reply.body["status"], "success", "{reason}: {reply:?}");
    }
    let reasons: Vec<Value> = open_reports(&app, &moderator, "user", stranger.uuid)
        .await
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        ["spam", "fraud", "prohibited", "offensive", "harassment", "other"]
    );
}

#[tokio::test]
async fn eight_racing_identical_reports_file_one() {
    let app = TestApp::spawn().await;
    let (reporter, seller) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    for (kind, target) in [("item", app.add_item(&seller, json!({})).await), ("user", seller.uuid)] {
        let replies = join_all((0..8).map(|_| report(&app, &reporter, kind, target, "fraud"))).await;
        let id = &replies[0].body["data"]["id"];
        assert!(id.is_i64(), "{replies:?}");
        for reply in &replies {
            assert_eq!(
                (reply.status, &reply.body),
                (200, &json!({"status": "success", "data": {"id": id}}))
            );
        }
        let queued = open_reports(&app, &moderator, kind, target).await;
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!((&queued[0]["id"], &queued[0]["reporter"]), (id, &json!(reporter.uuid)));
    }
}

/// With the threshold at 2: one user's repeats (and their report of the owner) do not hide the
/// listing; a second distinct reporter does, and it is then deleted to everyone but its owner.
#[tokio::test]
async fn a_listing_is_hidden_once_enough_distinct_users_reported_it() {
    let app = TestApp::spawn_with(|config| config.reports_to_hide = 2).await;
    let (owner, first, second, third) = (
        app.register().await,
        app.register().await,
        app.register().await,
        app.register().await,
    );
    let t = unique_word();
    let itemid = app.add_item(&owner, json!({"title": format!("{t} 耳机")})).await;
    let shown = item(&app, itemid).await;
    let first_id = report_id(&app, &first, "item", itemid).await;
    for reason in ["spam", "fraud", "other"] {
        let reply = report(&app, &first, "item", itemid, reason).await;
        assert_eq!(reply.body["data"]["id"], first_id);
    }
    report_id(&app, &first, "user", owner.uuid).await;
    assert_eq!(item(&app, itemid).await, shown, "one reporter does not hide it");
    assert_eq!(search_goods(&app, &t).await, [itemid]);
    assert!(hidden(&app, &owner).await.is_empty());

    report_id(&app, &second, "item", itemid).await;
    let gone = item(&app, itemid).await;
    assert_eq!((&gone["deleted"], &gone["sold"]), (&json!(true), &json!(3)));
    assert!(gone.get("hidden").is_none(), "only the owner reads why: {gone}");
    assert!(search_goods(&app, &t).await.is_empty());
    assert!(published(&app, &owner).await.is_empty());
    let modify = app
        .post(
            "/item/modify",
            json!({"token": owner.token, "itemid": itemid, "title": "改个名"}),
        )
        .await;
    assert_eq!(
        (modify.status, &modify.body),
        (403, &json!({"status": "failure", "info": "no such item"}))
    );
    let mut expected = gone.clone();
    expected.as_object_mut().unwrap().remove("status");
    expected["hidden"] = json!(PENDING_REVIEW);
    assert_eq!(hidden(&app, &owner).await, [expected]);
    assert!(hidden(&app, &first).await.is_empty(), "only the owner's own");
    report(&app, &third, "item", itemid, "spam")
        .await
        .assert_failure("no such item");
    app.post("/safety/hidden", json!({})).await.assert_forbidden();
}

#[tokio::test]
async fn by_default_three_distinct_reporters_hide_a_listing() {
    let app = TestApp::spawn().await;
    let owner = app.register().await;
    let reporters = join_all((0..3).map(|_| app.register())).await;
    let t = unique_word();
    let itemid = app.add_item(&owner, json!({"title": format!("{t} 台灯")})).await;
    for reporter in &reporters[..2] {
        report_id(&app, reporter, "item", itemid).await;
    }
    assert!(item(&app, itemid).await.get("deleted").is_none());
    assert_eq!(search_goods(&app, &t).await, [itemid]);
    report_id(&app, &reporters[2], "item", itemid).await;
    assert_eq!(item(&app, itemid).await["deleted"], true);
    assert!(search_goods(&app, &t).await.is_empty());
    let hidden = hidden(&app, &owner).await;
    assert_eq!(
        (hidden.len(), &hidden[0]["itemid"], &hidden[0]["hidden"]),
        (1, &json!(itemid), &json!(PENDING_REVIEW))
    );
}

#[tokio::test]
async fn a_user_files_at_most_reports_per_day_reports_repeats_included() {
    let app = TestApp::spawn_with(|config| config.reports_per_day.max = 3).await;
    let (reporter, first, second) = (app.register().await, app.register().await, app.register().await);
    report_id(&app, &reporter, "user", first.uuid).await;
    report_id(&app, &reporter, "user", first.uuid).await;
    report_id(&app, &reporter, "user", second.uuid).await;
    let flood = report(&app, &reporter, "user", second.uuid, "spam").await;
    flood.assert_failure("request too frequent");
    report(&app, &reporter, "user", reporter.uuid, "spam")
        .await
        .assert_failure("cannot report yourself");
    report_id(&app, &first, "user", second.uuid).await;
    app.clock.advance(std::time::Duration::from_secs(86_400));
    report_id(&app, &reporter, "user", second.uuid).await;
}

#[tokio::test]
async fn a_reported_message_stays_in_evidence_after_it_is_deleted() {
    let app = TestApp::spawn().await;
    let (reporter, sender) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let message = text_to(&app, &sender, &reporter, "转账到这个卡号").await;
    report_id(&app, &reporter, "message", message).await;
    app.post("/user/want/delete", json!({"token": reporter.token, "id": message}))
        .await
        .body["status"]
        .as_str()
        .filter(|status| *status == "success")
        .expect("the reporter deletes the message");
    let queued = open_reports(&app, &moderator, "message", message).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["content"], "转账到这个卡号");
}
