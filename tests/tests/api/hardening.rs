//! Input an attacker controls gets a client error and bounded work: malformed path segments
//! and numbers get the spec's failure JSON, search reads a bounded query, and pictures are
//! served so that a browser can only ever render them as images.

use foof_tests::TestApp;
use foof_tests::fixtures::PHOTO;
use serde_json::json;

#[tokio::test]
async fn path_segments_that_are_not_text_get_json_failures() {
    let app = TestApp::spawn().await;
    for path in ["/item/%FF", "/user/%FF", "/recommend/%FF", "/user/mail/verify/%FF"] {
        let reply = app.get(path).await;
        assert_eq!(
            (reply.status, &reply.body),
            (200, &json!({"status": "failure", "info": "invaild request"})),
            "{path}"
        );
    }
    let reply = app.get("/image/avatar/%FF.jpg").await;
    assert_eq!(
        (reply.status, &reply.body),
        (404, &json!({"status": "failure", "info": "not found"}))
    );
}

#[tokio::test]
async fn a_price_too_small_to_store_is_an_invalid_request_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    for price in [json!(1e-200), json!("1e-200"), json!(0.001)] {
        let form = foof_tests::item_form(&user.token, json!({"price": price}));
        app.post("/item/add", form).await.assert_failure("invaild request");
    }
    let published = app.post("/user/published", json!({"uuid": user.uuid})).await;
    assert_eq!(published.body, json!([]));
    let itemid = app.add_item(&user, json!({"price": 0})).await;
    let modify = json!({"token": user.token, "itemid": itemid, "price": 1e-200});
    app.post("/item/modify", modify).await.assert_failure("invaild request");
    assert_eq!(app.get(&format!("/item/{itemid}")).await.body["price"], json!(0.0));
}

#[tokio::test]
async fn pictures_are_served_as_images_and_never_sniffed() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.post_multipart(
        "/user/avatar",
        &[("token", &user.token)],
        vec![("file", "a.jpg", PHOTO.to_vec())],
    )
    .await
    .assert_success();
    let avatar = app.me(&user).await["avatarurl"].as_str().unwrap().to_owned();
    let response = app.http.get(app.url(&format!("/{avatar}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(
        (header("content-type"), header("x-content-type-options")),
        ("image/jpeg".to_owned(), "nosniff".to_owned())
    );
}

#[tokio::test]
async fn a_huge_search_query_is_read_only_up_to_its_first_characters() {
    let app = TestApp::spawn().await;
    let search = |query: String| app.post("/item/search", json!({"method": "good", "query": query}));
    // Distinct words, 0.9 MB: each one past the cut would have been a term to deduplicate.
    let words: String = (0..100_000).map(|i| format!("zq{i} ")).collect();
    let huge = search(words.clone()).await;
    assert_eq!(huge.status, 200, "{:?}", huge.body);
    let cut: String = words.chars().take(foof_domain::search::MAX_QUERY_CHARS).collect();
    let bounded = search(cut).await;
    assert_eq!(huge.body["hits"], bounded.body["hits"]);
}

#[tokio::test]
async fn a_picture_declaring_thirty_thousand_pixels_a_side_is_refused() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let mut bomb = foof_tests::fixtures::PNG.to_vec();
    bomb[16..24].copy_from_slice(&[30_000u32.to_be_bytes(), 30_000u32.to_be_bytes()].concat());
    let reply = app
        .post_multipart(
            "/user/avatar",
            &[("token", &user.token)],
            vec![("file", "a.png", bomb.clone())],
        )
        .await;
    reply.assert_failure("invaild request");
    assert_eq!(app.me(&user).await["avatarurl"], "image/avatar/default.jpg");
    let itemid = app.add_item(&user, json!({})).await;
    let itemid = itemid.to_string();
    let reply = app
        .post_multipart(
            "/item/image",
            &[("token", &user.token), ("itemid", &itemid)],
            vec![("file", "a.png", bomb)],
        )
        .await;
    reply.assert_failure("invaild request");
    assert_eq!(
        app.get(&format!("/item/{itemid}")).await.body["imgurl"],
        "image/item/default.jpg"
    );
}

/// Two uploads racing for one item: one switches the item's pictures, the other is refused,
/// and every picture the item names is still there (each upload has names of its own).
#[tokio::test]
async fn racing_picture_uploads_never_delete_each_others_pictures() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    for _ in 0..4 {
        let itemid = app.add_item(&user, json!({})).await.to_string();
        let fields = [("token", user.token.as_str()), ("itemid", itemid.as_str())];
        let upload = || app.post_multipart("/item/image", &fields, vec![("file", "a.jpg", PHOTO.to_vec())]);
        let (first, second) = tokio::join!(upload(), upload());
        assert!(
            first.body["status"] == "success" || second.body["status"] == "success",
            "{first:?} {second:?}"
        );
        let item = app.get(&format!("/item/{itemid}")).await.body;
        for path in item["imgurl"].as_str().unwrap().split("++").filter(|p| !p.is_empty()) {
            let (status, _, _) = app.get_bytes(&format!("/{path}")).await;
            assert_eq!(status, 200, "{path} is named by the item and must exist");
        }
    }
}

/// Bodies built to cost: deeply nested JSON, a huge field. Each is a client error in the
/// spec's JSON, and nothing is stored.
#[tokio::test]
async fn deeply_nested_and_huge_bodies_are_client_errors() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let nested = format!(
        "{{\"token\":\"{}\",\"title\":{}{}}}",
        user.token,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let huge_title = foof_tests::item_form(&user.token, json!({"title": "长".repeat(300_000)}));
    let bodies = [nested, huge_title.to_string()];
    for body in bodies {
        let reply = app.post_raw("/item/add", "application/json", body.clone()).await;
        assert!(
            reply.status == 200 || reply.status == 413,
            "a client error, never 5xx: {}",
            reply.status
        );
        assert_eq!(reply.body["status"], "failure", "{} bytes", body.len());
    }
    let published = app.post("/user/published", json!({"uuid": user.uuid})).await;
    assert_eq!(published.body, json!([]));
}
