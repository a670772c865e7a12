//! What several test modules need beyond `foof_tests` (tests/src): chat messages, bytes, and the
//! safety group's reports, moderators and the views that show what moderation did.

use foof_tests::{Reply, TestApp, TestUser};
use serde_json::{Value, json};

/// Whether `needle` occurs in `haystack` (metadata left in an image, say).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `/user/chat/push` from `from` to the user `to` (a uuid); it must succeed.
pub async fn push(app: &TestApp, from: &TestUser, to: i64, kind: i64, data: Value) {
    app.post(
        "/user/chat/push",
        json!({"token": from.token, "to": to, "type": kind, "data": data}),
    )
    .await
    .assert_success();
}

/// A chat text from `from` to `to`, pushed and read back: its id in `to`'s inbox.
pub async fn text_to(app: &TestApp, from: &TestUser, to: &TestUser, text: &str) -> i64 {
    push(app, from, to.uuid, 1, json!(text)).await;
    let inbox = fetch(app, to, "fetchall", json!({})).await;
    inbox
        .last()
        .and_then(|message| message["id"].as_i64())
        .expect("the text arrived")
}

/// `/user/chat/{which}` (fetchnew or fetchall) as `user`, with `extra` fields: the messages.
pub async fn fetch(app: &TestApp, user: &TestUser, which: &str, extra: Value) -> Vec<Value> {
    let mut body = json!({"token": user.token});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let reply = app.post(&format!("/user/chat/{which}"), body).await;
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    reply.body["data"].as_array().unwrap().clone()
}

/// `/safety/report` of the `kind` with id `target` for `reason`, as `user`: the reply.
pub async fn report(app: &TestApp, user: &TestUser, kind: &str, target: i64, reason: &str) -> Reply {
    app.post(
        "/safety/report",
        json!({"token": user.token, "kind": kind, "target": target, "reason": reason}),
    )
    .await
}

/// As [`report`], which must succeed: the report's id.
pub async fn report_id(app: &TestApp, user: &TestUser, kind: &str, target: i64) -> i64 {
    let reply = report(app, user, kind, target, "spam").await;
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    reply.body["data"]["id"].as_i64().unwrap()
}

/// The operator's scripts/moderator.py `action` (grant or revoke) on `uuid`, against the
/// emulators and tables this process uses (it inherits the environment).
pub async fn moderator_script(action: &str, uuid: i64) -> std::process::Output {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    tokio::process::Command::new(format!("{root}/.venv/bin/python"))
        .args([
            format!("{root}/scripts/moderator.py"),
            action.to_owned(),
            "--uuid".to_owned(),
            uuid.to_string(),
        ])
        .output()
        .await
        .expect("scripts/moderator.py runs")
}

/// Gives `user` the moderator role the way an operator does.
pub async fn grant_moderator(user: &TestUser) {
    let run = moderator_script("grant", user.uuid).await;
    assert!(run.status.success(), "grant failed: {run:?}");
}

/// A new user an operator made a moderator.
pub async fn moderator(app: &TestApp) -> TestUser {
    let user = app.register().await;
    grant_moderator(&user).await;
    user
}

/// `/safety/resolve` of report `id` as `moderator`, with `action`, `why` and `extra` fields.
pub async fn resolve(app: &TestApp, moderator: &TestUser, id: i64, action: &str, extra: Value) -> Reply {
    let mut body = json!({"token": moderator.token, "id": id, "action": action, "why": "reviewed"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    app.post("/safety/resolve", body).await
}

/// Every open report of the `kind` with id `target` in the moderation queue, read a page at a
/// time with `after` (other tests' reports share the queue).
pub async fn open_reports(app: &TestApp, moderator: &TestUser, kind: &str, target: i64) -> Vec<Value> {
    let (mut found, mut after) = (Vec::new(), 0);
    loop {
        let reply = app
            .post(
                "/safety/queue",
                json!({"token": moderator.token, "after": after, "limit": 100}),
            )
            .await;
        assert_eq!(reply.body["status"], "success", "{reply:?}");
        let page = reply.body["data"].as_array().unwrap().clone();
        let Some(last) = page.last() else {
            return found;
        };
        after = last["id"].as_i64().unwrap();
        found.extend(page.into_iter().filter(|r| r["kind"] == kind && r["target"] == target));
    }
}

/// The ids of the goods `/item/search` finds for `query` (at most 200).
pub async fn search_goods(app: &TestApp, query: &str) -> Vec<i64> {
    let reply = app
        .post("/item/search", json!({"method": "good", "query": query, "size": 200}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// `GET /item/{id}`: the item as anyone reads it.
pub async fn item(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/item/{id}")).await.body
}

/// The ids of `/user/published` for `owner`.
pub async fn published(app: &TestApp, owner: &TestUser) -> Vec<i64> {
    let reply = app.post("/user/published", json!({"uuid": owner.uuid})).await;
    reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{reply:?}"))
        .iter()
        .map(|i| i["itemid"].as_i64().unwrap())
        .collect()
}

/// `/safety/hidden` as `owner`: my hidden listings.
pub async fn hidden(app: &TestApp, owner: &TestUser) -> Vec<Value> {
    let reply = app.post("/safety/hidden", json!({"token": owner.token})).await;
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    reply.body["data"].as_array().unwrap().clone()
}
