//! Listing expiry: the daily sweep withdraws open listings that nobody posted, edited or renewed
//! for LISTING_MAX_AGE_DAYS (hidden as "expired", out of search), and `/item/renew` brings one
//! back. Each test sweeps the whole shared items table, so it runs alone.

use crate::helpers::search_goods;
use foof_domain::clock::SystemClock;
use foof_domain::item::EXPIRED;
use foof_expiry::{Expiry, Sweep};
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use foof_tests::{Exclusive, TestApp, TestUser, unique_word};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

async fn adapters() -> Adapters {
    Adapters::from_config(Config::from_env().unwrap(), Arc::new(SystemClock))
        .await
        .unwrap()
}

/// The sweep as the schedule would run it `days` from now (the template's 90-day age).
async fn sweep_in(adapters: &Adapters, days: i64) -> Sweep {
    let expiry = Expiry::new(adapters.items(), Duration::from_secs(90 * 86_400));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    expiry.sweep(now + days * DAY_MS).await.unwrap()
}

async fn item(app: &TestApp, itemid: i64) -> Value {
    app.get(&format!("/item/{itemid}")).await.body
}

async fn renew(app: &TestApp, user: &TestUser, itemid: i64) -> foof_tests::Reply {
    app.post("/item/renew", json!({"token": user.token, "itemid": itemid}))
        .await
}

async fn hidden(app: &TestApp, owner: &TestUser) -> Value {
    app.post("/safety/hidden", json!({"token": owner.token})).await.body["data"].clone()
}

#[tokio::test]
async fn an_unrenewed_listing_expires_and_its_owner_renews_it() {
    let _alone = Exclusive::take();
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let (owner, buyer, stranger) = (app.register().await, app.register().await, app.register().await);
    let word = unique_word();
    let listing = app.add_item(&owner, json!({"title": format!("台灯 {word}")})).await;
    let want = app
        .add_item(&owner, json!({"title": format!("求购 书架 {word}"), "sold": "-1"}))
        .await;
    let reserved = app.add_item(&owner, json!({"title": format!("椅子 {word}")})).await;
    app.post(
        "/item/order",
        json!({"token": owner.token, "to": buyer.uuid, "itemid": reserved}),
    )
    .await
    .assert_success();

    let sweep = sweep_in(&adapters, 89).await;
    assert_eq!(sweep.expired, 0, "nothing is 90 days old yet: {sweep:?}");
    let sweep = sweep_in(&adapters, 91).await;
    assert!(sweep.expired >= 2, "{sweep:?}");
    for itemid in [listing, want] {
        let shown = item(&app, itemid).await;
        assert_eq!(shown["deleted"], true, "{shown}");
        assert!(shown.get("hidden").is_none(), "only the owner reads why: {shown}");
    }
    assert_eq!(
        item(&app, reserved).await["sold"],
        3,
        "a reserved listing is in a trade, not stale"
    );
    assert!(item(&app, reserved).await.get("deleted").is_none());
    assert_eq!(search_goods(&app, &word).await, vec![reserved]);
    let mut withdrawn: Vec<(i64, String)> = hidden(&app, &owner)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["itemid"].as_i64().unwrap(), i["hidden"].as_str().unwrap().to_owned()))
        .collect();
    withdrawn.sort();
    assert_eq!(withdrawn, [(listing, EXPIRED.to_owned()), (want, EXPIRED.to_owned())]);
    let modify = app
        .post(
            "/item/modify",
            json!({"token": owner.token, "itemid": listing, "price": 3}),
        )
        .await;
    assert_eq!(
        (modify.status, &modify.body),
        (403, &json!({"status": "failure", "info": "no such item"})),
        "an expired listing cannot be edited; it is renewed"
    );

    renew(&app, &stranger, listing)
        .await
        .assert_failure("Insufficient permissions");
    renew(&app, &owner, 999_999_999).await.assert_failure("no such item");
    renew(&app, &owner, listing).await.assert_success();
    let shown = item(&app, listing).await;
    assert!(shown.get("deleted").is_none() && shown["sold"] == 1, "{shown}");
    let mut now_found = search_goods(&app, &word).await;
    now_found.sort_unstable();
    assert_eq!(now_found, [listing, reserved], "renewed, it is searchable again");
    assert_eq!(
        hidden(&app, &owner).await.as_array().unwrap().len(),
        1,
        "the want is still expired"
    );
    let sweep = sweep_in(&adapters, 89).await;
    assert_eq!(sweep.expired, 0, "the renewal restarted its age: {sweep:?}");
}

#[tokio::test]
async fn an_edit_or_a_renewal_keeps_a_listing_young_and_a_deleted_one_is_not_renewed() {
    let _alone = Exclusive::take();
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let owner = app.register().await;
    let word = unique_word();
    let edited = app.add_item(&owner, json!({"title": format!("台灯 {word}")})).await;
    let renewed = app.add_item(&owner, json!({"title": format!("书架 {word}")})).await;
    let left = app.add_item(&owner, json!({"title": format!("椅子 {word}")})).await;
    // Twenty days on (within the login), two are touched: edits and renewals carry the app's clock.
    app.clock.advance(Duration::from_secs(20 * 86_400));
    app.post(
        "/item/modify",
        json!({"token": owner.token, "itemid": edited, "price": 20}),
    )
    .await
    .assert_success();
    renew(&app, &owner, renewed).await.assert_success();
    sweep_in(&adapters, 91).await;
    assert_eq!(item(&app, left).await["deleted"], true);
    for young in [edited, renewed] {
        assert!(item(&app, young).await.get("deleted").is_none(), "{young}");
    }
    // A deleted listing is not brought back by a renewal.
    app.post("/item/delete", json!({"token": owner.token, "itemid": edited}))
        .await
        .assert_success();
    renew(&app, &owner, edited).await.assert_failure("no such item");
}

/// Listings posted before expiry existed have no age: the first sweep starts it.
#[tokio::test]
async fn a_listing_from_before_expiry_counts_its_age_from_the_first_sweep() {
    let _alone = Exclusive::take();
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let owner = app.register().await;
    let legacy = app
        .add_item(&owner, json!({"title": format!("台灯 {}", unique_word())}))
        .await;
    let config = aws_sdk_dynamodb::config::Builder::from(adapters.sdk_config())
        .endpoint_url(foof_tests::emulator_dynamodb_endpoint())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    client
        .update_item()
        .table_name(adapters.config().tables.name("items"))
        .key("itemid", aws_sdk_dynamodb::types::AttributeValue::N(legacy.to_string()))
        .update_expression("REMOVE updatedAt")
        .send()
        .await
        .unwrap();
    sweep_in(&adapters, 91).await;
    assert!(
        item(&app, legacy).await.get("deleted").is_none(),
        "stamped, not expired"
    );
    sweep_in(&adapters, 91 + 91).await;
    assert_eq!(item(&app, legacy).await["deleted"], true, "91 days after the stamp");
}

#[tokio::test]
async fn a_reset_restarts_the_age_and_a_double_renewal_succeeds_twice() {
    let _alone = Exclusive::take();
    let (app, adapters) = (TestApp::spawn().await, adapters().await);
    let (owner, buyer) = (app.register().await, app.register().await);
    let word = unique_word();
    let reset = app.add_item(&owner, json!({"title": format!("台灯 {word}")})).await;
    let tapped = app.add_item(&owner, json!({"title": format!("书架 {word}")})).await;
    app.post(
        "/item/order",
        json!({"token": owner.token, "to": buyer.uuid, "itemid": reset}),
    )
    .await
    .assert_success();
    app.clock.advance(Duration::from_secs(20 * 86_400));
    app.post("/item/reset", json!({"token": owner.token, "itemid": reset}))
        .await
        .assert_success();
    sweep_in(&adapters, 91).await;
    assert!(
        item(&app, reset).await.get("deleted").is_none(),
        "reopened 20 days in, it is young"
    );
    assert_eq!(item(&app, tapped).await["deleted"], true);

    let (first, second) = tokio::join!(renew(&app, &owner, tapped), renew(&app, &owner, tapped));
    first.assert_success();
    second.assert_success();
    assert!(item(&app, tapped).await.get("deleted").is_none());
    assert_eq!(
        search_goods(&app, &word).await.len(),
        2,
        "both on offer and indexed once each"
    );
}
