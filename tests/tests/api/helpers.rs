//! What several test modules need beyond `foof_tests` (tests/src): chat messages and bytes.

use foof_tests::{TestApp, TestUser};
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
