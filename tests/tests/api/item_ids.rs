//! Item ids claimed inside the add's own transaction (docs/data-model.md, "Sequential ids"):
//! two dev servers stand for two Lambda containers sharing the tables. The AWS call counter is
//! process-wide and the ids come from the shared item counter, so the test takes
//! `Exclusive`: no other test runs beside it.

use foof_aws::aws_calls;
use foof_tests::{Exclusive, TestApp, TestUser, item_form};
use serde_json::json;

/// Adds an item; its id and the AWS calls the add made.
async fn add(app: &TestApp, token: &str, title: &str) -> (Option<i64>, u64) {
    let before = aws_calls();
    let reply = app.post("/item/add", item_form(token, json!({"title": title}))).await;
    let calls = aws_calls() - before;
    if reply.status == 403 {
        reply.assert_forbidden();
        return (None, calls);
    }
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    (Some(reply.body["data"]["itemid"].as_i64().unwrap()), calls)
}

/// A valid login token for a user id nobody registered.
fn token_of_a_missing_user() -> String {
    foof_tests::token_for(i64::from(i32::MAX))
}

async fn title_of(app: &TestApp, itemid: i64) -> String {
    app.get(&format!("/item/{itemid}")).await.body["title"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_warm_container_adds_in_one_call_and_ids_stay_gap_free_across_containers() {
    let _alone = Exclusive::take();
    let (first, second) = (TestApp::spawn().await, TestApp::spawn().await);
    let seller: TestUser = first.register().await;

    let (a1, cold) = add(&first, &seller.token, "a1").await;
    assert_eq!(
        cold, 3,
        "a container's first add reads its user (is the token current?), reserves an id, then writes"
    );
    let (a2, warm) = add(&first, &seller.token, "a2").await;
    assert_eq!(warm, 1, "a warm container claims the id inside the write");
    let (b1, _) = add(&second, &seller.token, "b1").await;
    let (a3, stale) = add(&first, &seller.token, "a3").await;
    assert_eq!(
        stale, 2,
        "the claim fails because the other container moved the counter, and claims again from its value"
    );

    let (refused, calls) = add(&first, &token_of_a_missing_user(), "nobody's").await;
    assert_eq!(
        (refused, calls),
        (None, 1),
        "a token whose user does not exist is refused after one read, before any id is taken"
    );
    let (a4, warm_again) = add(&first, &seller.token, "a4").await;
    assert_eq!(warm_again, 1);
    let (b2, stale_again) = add(&second, &seller.token, "b2").await;
    assert_eq!(stale_again, 2);

    let titles = ["a1", "a2", "b1", "a3", "a4", "b2"];
    let ids: Vec<i64> = [a1, a2, b1, a3, a4, b2].into_iter().map(Option::unwrap).collect();
    let start = ids[0];
    assert_eq!(
        ids,
        (start..start + 6).collect::<Vec<_>>(),
        "unique, in commit order, and the refused add used no id"
    );
    for (id, title) in ids.iter().zip(titles) {
        assert_eq!(title_of(&second, *id).await, title);
    }
    let published = first.post("/user/published", json!({"uuid": seller.uuid})).await.body;
    assert_eq!(published.as_array().unwrap().len(), titles.len());
}
