//! /item/rate: after a finished trade each side rates the other once for that item, and the
//! ratee's public profile shows the new score and how many ratings it rests on.

use foof_tests::{TestApp, TestUser};
use futures_util::future::join_all;
use serde_json::{Value, json};

/// An item of `seller` sold to `buyer` (`sold` 1: a sale, -1: a want), or only reserved.
async fn traded(app: &TestApp, seller: &TestUser, buyer: &TestUser, sold: i64, finish: bool) -> i64 {
    let itemid = app.add_item(seller, json!({"sold": sold.to_string()})).await;
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
    )
    .await
    .assert_success();
    if finish {
        app.post("/item/trade", json!({"token": buyer.token, "itemid": itemid}))
            .await
            .assert_success();
    }
    itemid
}

async fn rate(app: &TestApp, rater: &TestUser, itemid: i64, stars: Value) -> foof_tests::Reply {
    app.post(
        "/item/rate",
        json!({"token": rater.token, "itemid": itemid, "stars": stars, "comment": "爽快"}),
    )
    .await
}

/// `(score, ratings)` of the public profile.
async fn standing(app: &TestApp, user: &TestUser) -> (i64, i64) {
    let profile = app.get(&format!("/user/{}", user.uuid)).await.body;
    (profile["score"].as_i64().unwrap(), profile["ratings"].as_i64().unwrap())
}

#[tokio::test]
async fn each_side_of_a_finished_sale_or_want_rates_the_other_once() {
    let app = TestApp::spawn().await;
    for sold in [1, -1] {
        let (seller, buyer) = (app.register().await, app.register().await);
        assert_eq!(standing(&app, &seller).await, (10, 0), "a new user's default");
        let itemid = traded(&app, &seller, &buyer, sold, true).await;
        rate(&app, &buyer, itemid, json!(5)).await.assert_success();
        rate(&app, &seller, itemid, json!("1")).await.assert_success();
        assert_eq!(standing(&app, &seller).await, (11, 1), "five stars move 10 by one");
        assert_eq!(standing(&app, &buyer).await, (9, 1), "one star moves 10 by one");
        rate(&app, &buyer, itemid, json!(1))
            .await
            .assert_failure("already rated");
        assert_eq!(standing(&app, &seller).await, (11, 1), "a repeat changes nothing");
        let me = app.me(&seller).await;
        assert_eq!(
            (&me["score"], me.get("ratings")),
            (&json!(11), None),
            "/user/me keeps its fields"
        );
    }
}

#[tokio::test]
async fn racing_ratings_of_one_rater_count_once() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register().await, app.register().await);
    let itemid = traded(&app, &seller, &buyer, 1, true).await;
    let replies = join_all((0..8).map(|_| rate(&app, &buyer, itemid, json!(1)))).await;
    let accepted = replies.iter().filter(|r| r.body["status"] == "success").count();
    assert_eq!(accepted, 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.body["status"] != "success") {
        reply.assert_failure("already rated");
    }
    assert_eq!(standing(&app, &seller).await, (9, 1));
}

#[tokio::test]
async fn many_ratings_move_the_score_further_than_one() {
    let app = TestApp::spawn().await;
    let seller = app.register().await;
    for _ in 0..5 {
        let buyer = app.register().await;
        let itemid = traded(&app, &seller, &buyer, 1, true).await;
        rate(&app, &buyer, itemid, json!(5)).await.assert_success();
    }
    assert_eq!(standing(&app, &seller).await, (14, 5), "(5×10 + 5×18) / 10");
}

#[tokio::test]
async fn only_the_two_sides_of_a_finished_trade_rate_one_to_five_stars_even_after_a_delete() {
    let app = TestApp::spawn().await;
    let (seller, buyer, stranger) = (app.register().await, app.register().await, app.register().await);
    let reserved = traded(&app, &seller, &buyer, 1, false).await;
    rate(&app, &buyer, reserved, json!(5))
        .await
        .assert_failure("trade not finished");
    let open = app.add_item(&seller, json!({})).await;
    rate(&app, &seller, open, json!(5))
        .await
        .assert_failure("trade not finished");
    let sold = traded(&app, &seller, &buyer, 1, true).await;
    rate(&app, &stranger, sold, json!(5))
        .await
        .assert_failure("Insufficient permissions");
    rate(&app, &buyer, 999_999_999, json!(5))
        .await
        .assert_failure("no such item");
    for bad in [json!(0), json!(6), json!(2.5), json!("five"), Value::Null] {
        rate(&app, &buyer, sold, bad).await.assert_failure("invaild request");
    }
    let long = app
        .post(
            "/item/rate",
            json!({"token": buyer.token, "itemid": sold, "stars": 4, "comment": "长".repeat(201)}),
        )
        .await;
    long.assert_failure("invaild request");
    app.post("/item/rate", json!({"itemid": sold, "stars": 4}))
        .await
        .assert_forbidden();
    assert_eq!(standing(&app, &seller).await, (10, 0), "no refused rating counted");
    app.post("/item/delete", json!({"token": seller.token, "itemid": sold}))
        .await
        .assert_success();
    rate(&app, &buyer, sold, json!(2)).await.assert_success();
    assert_eq!(
        standing(&app, &seller).await,
        (9, 1),
        "deleting the listing does not dodge the rating"
    );
}

#[tokio::test]
async fn only_a_raters_first_rating_of_a_user_counts_in_the_score() {
    let app = TestApp::spawn().await;
    let (seller, friend, stranger) = (app.register().await, app.register().await, app.register().await);
    // Two accounts trading item after item cannot pump a score.
    for _ in 0..3 {
        let itemid = traded(&app, &seller, &friend, 1, true).await;
        rate(&app, &friend, itemid, json!(5)).await.assert_success();
        rate(&app, &friend, itemid, json!(5))
            .await
            .assert_failure("already rated");
    }
    assert_eq!(standing(&app, &seller).await, (11, 1));
    let itemid = traded(&app, &seller, &stranger, 1, true).await;
    rate(&app, &stranger, itemid, json!(5)).await.assert_success();
    assert_eq!(standing(&app, &seller).await, (12, 2), "(5×10 + 2×18) / 7, rounded");
    rate(&app, &seller, itemid, json!(1)).await.assert_success();
    assert_eq!(standing(&app, &stranger).await, (9, 1), "each direction counts once");
}
