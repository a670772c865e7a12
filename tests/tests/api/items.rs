//! /item/{itemid}, /item/add, /item/modify, /item/delete, /item/image and the published /
//! finished lists, over HTTP against the emulators.

use crate::helpers::contains;
use foof_tests::fixtures::{GIF, PHOTO, PNG};
use foof_tests::{TestApp, item_form};
use futures_util::future::join_all;
use serde_json::{Value, json};

#[tokio::test]
async fn add_then_get_returns_numbers_and_the_defaults() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let reply = app.post("/item/add", item_form(&user.token, json!({}))).await;
    let itemid = reply.body["data"]["itemid"].as_i64().unwrap();
    let expected = json!({"itemid": itemid, "uuid": user.uuid, "title": "九成新 小米充电宝", "type": 1, "price": 35.5,
                          "imgurl": "image/item/default.jpg", "depreciatione": 90, "note": "T,九龙湖 自提", "sold": 1, "to": 0});
    assert_eq!(reply.body, json!({"status": "success", "data": expected}));
    let mut got = expected.clone();
    got["status"] = json!("success");
    assert_eq!(app.get(&format!("/item/{itemid}")).await.body, got);
}

#[tokio::test]
async fn add_takes_want_posts_form_bodies_and_ignores_mass_assignment() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let fields = [
        ("token", user.token.as_str()),
        ("title", "求购 高数 七版"),
        ("type", "6"),
        ("price", "20"),
        ("depreciatione", "80"),
        ("note", "M,随便"),
        ("sold", "-1"),
        ("itemid", "999999999"),
        ("uuid", "1"),
        ("imgurl", "../../x"),
        ("to", "5"),
    ];
    let reply = app.post_form("/item/add", &fields).await;
    let data = &reply.body["data"];
    assert_eq!(
        (
            &data["sold"],
            &data["uuid"],
            &data["imgurl"],
            &data["to"],
            &data["price"]
        ),
        (
            &json!(-1),
            &json!(user.uuid),
            &json!("image/item/default.jpg"),
            &json!(0),
            &json!(20.0)
        )
    );
    assert_ne!(
        data["itemid"], 999_999_999,
        "the id is allocated, never taken from the body"
    );
}

#[tokio::test]
async fn add_refuses_bad_fields_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let mutations: Vec<(&str, Value)> = vec![
        ("title", json!("")),
        ("title", json!("t".repeat(256))),
        ("note", json!("   ")),
        ("type", json!(0)),
        ("type", json!("9")),
        ("type", json!("x")),
        ("price", json!(-1)),
        ("price", json!("abc")),
        ("price", json!("NaN")),
        ("depreciatione", json!(0)),
        ("depreciatione", json!(101)),
        ("sold", json!(2)),
        ("sold", json!(3)),
        ("sold", json!("-3")),
        ("sold", json!(null)),
        ("title", json!(null)),
    ];
    for (field, value) in mutations {
        let mut body = item_form(&user.token, json!({}));
        body[field] = value.clone();
        let reply = app.post("/item/add", body).await;
        assert_eq!(
            reply.body,
            json!({"status": "failure", "info": "invaild request"}),
            "{field} = {value}"
        );
    }
    let published = app.post("/user/published", json!({"uuid": user.uuid})).await;
    assert_eq!(published.body, json!([]));
    let mut no_token = item_form(&user.token, json!({}));
    no_token.as_object_mut().unwrap().remove("token");
    app.post("/item/add", no_token).await.assert_forbidden();
}

#[tokio::test]
async fn concurrent_adds_get_distinct_ids() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let ids: Vec<i64> = join_all((0..20).map(|_| app.add_item(&user, json!({})))).await;
    let distinct: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 20);
    let published = app.post("/user/published", json!({"uuid": user.uuid})).await.body;
    let listed: Vec<i64> = published
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["itemid"].as_i64().unwrap())
        .collect();
    assert_eq!(
        listed,
        distinct.into_iter().collect::<Vec<_>>(),
        "published lists them all, in id order"
    );
}

/// Four servers stand for four warm containers whose views of the id counter keep going stale
/// (docs/data-model.md, "Sequential ids"): every add still lands, under its own id.
#[tokio::test]
async fn adds_from_several_containers_at_once_all_land_with_distinct_ids() {
    let containers = join_all((0..4).map(|_| TestApp::spawn())).await;
    let user = containers[0].register().await;
    join_all(containers.iter().map(|app| app.add_item(&user, json!({})))).await;
    let rounds = containers
        .iter()
        .flat_map(|app| (0..8).map(|_| app.add_item(&user, json!({}))));
    let ids: Vec<i64> = join_all(rounds).await;
    let distinct: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    let published = containers[1]
        .post("/user/published", json!({"uuid": user.uuid}))
        .await
        .body;
    assert_eq!(published.as_array().unwrap().len(), 4 + ids.len());
}

#[tokio::test]
async fn get_of_a_missing_item_is_none() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/item/999999999").await.body, json!({"status": "none"}));
    assert_eq!(app.get("/item/abc").await.body, json!({"status": "none"}));
}

#[tokio::test]
async fn modify_changes_details_for_the_owner_only() {
    let app = TestApp::spawn().await;
    let (owner, stranger) = (app.register().await, app.register().await);
    let itemid = app.add_item(&owner, json!({})).await;
    let change = json!({"token": owner.token, "itemid": itemid.to_string(), "title": "八成新 充电宝", "type": 5, "price": "30",
                        "depreciatione": 80, "note": "S,桃园", "sold": 2, "imgurl": "x", "uuid": stranger.uuid});
    app.post("/item/modify", change).await.assert_success();
    let item = app.get(&format!("/item/{itemid}")).await.body;
    assert_eq!(
        (
            &item["title"],
            &item["type"],
            &item["price"],
            &item["depreciatione"],
            &item["note"]
        ),
        (
            &json!("八成新 充电宝"),
            &json!(5),
            &json!(30.0),
            &json!(80),
            &json!("S,桃园")
        )
    );
    assert_eq!(
        (&item["sold"], &item["imgurl"], &item["uuid"]),
        (&json!(1), &json!("image/item/default.jpg"), &json!(owner.uuid))
    );

    let reply = app
        .post(
            "/item/modify",
            json!({"token": stranger.token, "itemid": itemid, "title": "mine now"}),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body),
        (403, &json!({"status": "failure", "info": "Insufficient permissions"}))
    );
    let reply = app
        .post(
            "/item/modify",
            json!({"token": owner.token, "itemid": 999999999, "title": "x"}),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body),
        (403, &json!({"status": "failure", "info": "no such item"}))
    );
    app.post(
        "/item/modify",
        json!({"token": owner.token, "itemid": itemid, "price": -5}),
    )
    .await
    .assert_failure("invaild request");
    app.post("/item/modify", json!({"token": owner.token, "title": "no id"}))
        .await
        .assert_failure("invaild request");
    app.post("/item/modify", json!({"itemid": itemid, "title": "no token"}))
        .await
        .assert_forbidden();
    assert_eq!(app.get(&format!("/item/{itemid}")).await.body["title"], "八成新 充电宝");
}

#[tokio::test]
async fn delete_is_soft_owner_only_and_leaves_lists_and_favourites() {
    let app = TestApp::spawn().await;
    let (owner, fan) = (app.register().await, app.register().await);
    let (sell, want) = (
        app.add_item(&owner, json!({})).await,
        app.add_item(&owner, json!({})).await,
    );
    let want_post = app.add_item(&owner, json!({"sold": -1})).await;
    app.post(
        "/fav/add",
        json!({"token": fan.token, "data": format!("[{sell},{want}]")}),
    )
    .await
    .assert_success();

    app.post("/item/delete", json!({"token": fan.token, "itemid": sell}))
        .await
        .assert_failure("Insufficient permissions");
    app.post("/item/delete", json!({"token": owner.token, "itemid": 999999999}))
        .await
        .assert_failure("no such item");
    app.post("/item/delete", json!({"token": owner.token, "itemid": sell}))
        .await
        .assert_success();
    app.post("/item/delete", json!({"token": owner.token, "itemid": want_post}))
        .await
        .assert_success();

    let deleted = app.get(&format!("/item/{sell}")).await.body;
    assert_eq!(
        (
            &deleted["status"],
            &deleted["sold"],
            &deleted["deleted"],
            &deleted["imgurl"]
        ),
        (
            &json!("success"),
            &json!(3),
            &json!(true),
            &json!("image/item/default.jpg")
        )
    );
    assert_eq!(app.get(&format!("/item/{want_post}")).await.body["sold"], -3);
    assert!(app.get(&format!("/item/{want}")).await.body.get("deleted").is_none());

    let published: Vec<i64> = app
        .post("/user/published", json!({"uuid": owner.uuid}))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["itemid"].as_i64().unwrap())
        .collect();
    assert_eq!(published, [want]);
    let favourites = app.post("/fav/query", json!({"token": fan.token})).await.body;
    let favourite_items: Vec<i64> = favourites["res"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemid"].as_i64().unwrap())
        .collect();
    assert_eq!(favourite_items, [want]);

    // A deleted item can be neither edited nor given pictures; deleting again is harmless.
    let reply = app
        .post(
            "/item/modify",
            json!({"token": owner.token, "itemid": sell, "title": "back"}),
        )
        .await;
    assert_eq!(reply.status, 403);
    let upload = app
        .post_multipart(
            "/item/image",
            &[("token", &owner.token), ("itemid", &sell.to_string())],
            vec![("file", "a.jpg", PHOTO.to_vec())],
        )
        .await;
    upload.assert_failure("no such item");
    app.post("/item/delete", json!({"token": owner.token, "itemid": sell}))
        .await
        .assert_success();
}

#[tokio::test]
async fn images_upload_replaces_pictures_and_serves_them_clean() {
    let app = TestApp::spawn().await;
    let owner = app.register().await;
    let itemid = app.add_item(&owner, json!({})).await;
    let id = itemid.to_string();
    let form = [
        ("token", owner.token.as_str()),
        ("itemid", id.as_str()),
        ("path", "file:///a.jpg++file:///b.png"),
    ];
    let reply = app
        .post_multipart(
            "/item/image",
            &form,
            vec![
                ("file", "image.jpg", PHOTO.to_vec()),
                ("file", "image.jpg", PNG.to_vec()),
            ],
        )
        .await;
    let first = [
        format!("image/item/{}-{itemid}-0.jpg", owner.uuid),
        format!("image/item/{}-{itemid}-1.png", owner.uuid),
    ];
    assert_eq!(reply.body, json!({"status": "success", "imgurl": first}));
    let imgurl = app.get(&format!("/item/{itemid}")).await.body["imgurl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(imgurl, format!("{}++{}++", first[0], first[1]));
    let (status, content_type, bytes) = app.get_bytes(&format!("/{}", first[0])).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert!(!contains(&bytes, b"FOOFPhone"));
    assert_eq!(app.get_bytes(&format!("/{}", first[1])).await.1, "image/png");

    // A second upload (other part names, as the doc's file0..) replaces both; the old files go.
    let reply = app
        .post_multipart("/item/image", &form[..2], vec![("file0", "x.gif", GIF.to_vec())])
        .await;
    let second = format!("image/item/{}-{itemid}-2.gif", owner.uuid);
    assert_eq!(reply.body, json!({"status": "success", "imgurl": [second]}));
    assert_eq!(
        app.get(&format!("/item/{itemid}")).await.body["imgurl"],
        format!("{second}++")
    );
    assert_eq!(app.get_bytes(&format!("/{second}")).await.1, "image/gif");
    for old in &first {
        assert_eq!(app.get_bytes(&format!("/{old}")).await.0, 404, "{old} should be gone");
    }
}

#[tokio::test]
async fn failed_image_uploads_leave_the_item_untouched() {
    let app = TestApp::spawn().await;
    let (owner, stranger) = (app.register().await, app.register().await);
    let itemid = app.add_item(&owner, json!({})).await;
    let id = itemid.to_string();
    let owner_form = [("token", owner.token.as_str()), ("itemid", id.as_str())];
    app.post_multipart("/item/image", &owner_form, vec![("file", "a.jpg", PHOTO.to_vec())])
        .await;
    let before = app.get(&format!("/item/{itemid}")).await.body;

    let not_image = vec![
        ("file", "a.jpg", PHOTO.to_vec()),
        ("file", "b.jpg", b"GIF89a but not really".to_vec()),
    ];
    app.post_multipart("/item/image", &owner_form, not_image)
        .await
        .assert_failure("invaild request");
    app.post_multipart("/item/image", &owner_form, vec![])
        .await
        .assert_failure("invaild request");
    let ten: Vec<_> = (0..10).map(|_| ("file", "a.gif", GIF.to_vec())).collect();
    app.post_multipart("/item/image", &owner_form, ten)
        .await
        .assert_failure("invaild request");
    let stranger_form = [("token", stranger.token.as_str()), ("itemid", id.as_str())];
    app.post_multipart("/item/image", &stranger_form, vec![("file", "a.jpg", PHOTO.to_vec())])
        .await
        .assert_failure("Insufficient permissions");
    let missing = [("token", owner.token.as_str()), ("itemid", "999999999")];
    app.post_multipart("/item/image", &missing, vec![("file", "a.jpg", PHOTO.to_vec())])
        .await
        .assert_failure("no such item");
    let mut huge = PHOTO.to_vec();
    huge.resize(1024 * 1024 + 10, 0);
    assert_eq!(
        app.post_multipart("/item/image", &owner_form, vec![("file", "big.jpg", huge)])
            .await
            .status,
        413
    );
    app.post_multipart(
        "/item/image",
        &[("itemid", id.as_str())],
        vec![("file", "a.jpg", PHOTO.to_vec())],
    )
    .await
    .assert_forbidden();

    assert_eq!(app.get(&format!("/item/{itemid}")).await.body, before);
    let path = before["imgurl"].as_str().unwrap().trim_end_matches("++").to_owned();
    assert_eq!(app.get_bytes(&format!("/{path}")).await.0, 200);
    // Nothing was written under the next picture number by the refused uploads.
    assert_eq!(
        app.get_bytes(&format!("/image/item/{}-{itemid}-1.jpg", owner.uuid))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn published_lists_live_items_of_any_user_without_a_token() {
    let app = TestApp::spawn().await;
    let (seller, other) = (app.register().await, app.register().await);
    let a = app.add_item(&seller, json!({})).await;
    app.add_item(&other, json!({})).await;
    let published = app
        .post("/user/published", json!({"uuid": seller.uuid.to_string()}))
        .await;
    assert_eq!(published.status, 200);
    let items = published.body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!((&items[0]["itemid"], &items[0]["price"]), (&json!(a), &json!(35.5)));
    assert_eq!(
        app.post("/user/finished", json!({"token": other.token})).await.body,
        json!([])
    );
}
