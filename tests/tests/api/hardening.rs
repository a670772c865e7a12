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
