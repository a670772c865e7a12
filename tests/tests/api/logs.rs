//! Every request leaves one structured JSON log line (route, status, latency), and a whole
//! client scenario logs no token, password, verification code or phone number.

use foof_tests::fixtures::PHOTO;
use foof_tests::{CLIENT_PASSWORD, OTHER_PASSWORD, TestApp, unique_phone};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::io::Write;
use std::sync::Once;

thread_local! {
    /// The log lines written on this thread, if its test captures them.
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// The global log subscriber's writer: the emitting thread's capture, or nowhere. A test's
/// server runs on the test's own thread (`#[tokio::test]` is single-threaded), so a test
/// captures the lines of its own requests and of no other test running in this process.
struct ThisThread;

impl Write for ThisThread {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with_borrow_mut(|captured| {
            if let Some(captured) = captured {
                captured.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the log lines written on this thread until dropped. The JSON log subscriber is
/// global, so it is installed once for the whole test binary, writing to [`ThisThread`].
struct ThreadLogs;

impl ThreadLogs {
    fn capture() -> Self {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| foof_shared::observability::init_logging_to(|| ThisThread));
        CAPTURED.set(Some(Vec::new()));
        Self
    }

    fn text(&self) -> String {
        CAPTURED.with_borrow(|captured| String::from_utf8(captured.clone().unwrap_or_default()).unwrap())
    }
}

impl Drop for ThreadLogs {
    fn drop(&mut self) {
        CAPTURED.set(None);
    }
}

#[tokio::test]
async fn a_full_scenario_logs_every_request_and_no_secret() {
    let logs = ThreadLogs::capture();
    let app = TestApp::spawn().await;

    let phone = unique_phone();
    let (seller, code) = app.register_phone(&phone).await;
    app.post("/user/login", json!({"phonenumber": phone, "password": OTHER_PASSWORD}))
        .await
        .assert_failure("password incorrect");
    app.post(
        "/user/modify",
        json!({"token": seller.token, "username": "卖家", "password": OTHER_PASSWORD}),
    )
    .await
    .assert_success();
    app.post_multipart(
        "/user/avatar",
        &[("token", &seller.token)],
        vec![("file", "a.jpg", PHOTO.to_vec())],
    )
    .await
    .assert_success();
    app.post(
        "/user/mail/verify",
        json!({"token": seller.token, "idcard": "213170555"}),
    )
    .await
    .assert_success();
    let mail = app.outbox.mail_to("213170555@seu.edu.cn").await.pop().unwrap();
    let link = mail.verification_link().unwrap().to_owned();
    let mail_token = link.rsplit('/').next().unwrap().to_owned();
    app.post(&format!("/user/mail/verify/{mail_token}"), json!({}))
        .await
        .assert_success();
    let buyer = app.register().await;
    let itemid = app.add_item(&seller, json!({"title": "台灯"})).await;
    app.post(
        "/user/chat/push",
        json!({"token": buyer.token, "to": seller.uuid, "type": 0, "data": itemid}),
    )
    .await
    .assert_success();
    app.post(
        "/item/order",
        json!({"token": seller.token, "to": buyer.uuid, "itemid": itemid}),
    )
    .await
    .assert_success();
    app.post("/item/search", json!({"method": "good", "query": "台灯"}))
        .await;
    app.post("/user/me", json!({"token": "not-a-token"}))
        .await
        .assert_forbidden();
    app.get("/no/such/route").await;

    let text = logs.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "request").collect();
    assert!(requests.len() >= 17, "one line per request, got {}", requests.len());
    for line in requests.iter().filter(|l| l["fields"]["route"] != "unmatched") {
        let fields = &line["fields"];
        assert!(fields["route"].as_str().unwrap().starts_with('/'), "{line}");
        assert!(
            fields["status"].is_u64() && fields["latency_ms"].is_f64() && fields["method"].is_string(),
            "{line}"
        );
        assert!(fields.get("request_id").is_some(), "{line}");
    }
    assert!(
        requests
            .iter()
            .any(|l| l["fields"]["route"] == "/user/mail/verify/{token}"),
        "routes are templates, not paths"
    );

    let national = phone.clone();
    let secrets = [
        ("login token", seller.token.as_str()),
        ("mail token", mail_token.as_str()),
        ("password", CLIENT_PASSWORD),
        ("new password", OTHER_PASSWORD),
        ("verification code", code.as_str()),
        ("phone number", national.as_str()),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(secret), "the logs contain a {what}");
    }
}
