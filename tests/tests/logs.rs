//! Every request leaves one structured JSON log line (route, status, latency), and a whole
//! client scenario logs no token, password, verification code or phone number.

use foof_tests::{CLIENT_PASSWORD, TestApp, unique_phone};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};

const PHOTO: &[u8] = include_bytes!("../../shared/fixtures/photo.jpg");
const NEW_PASSWORD: &str = "e10adc3949ba59abbe56e057f20f883e00000000";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_scenario_logs_every_request_and_no_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    foof_shared::observability::init_logging_to(move || sink.clone());
    let app = TestApp::spawn().await;

    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    app.post(
        "/user/register",
        json!({"phonenumber": phone, "verifycode": code, "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_success();
    let seller = app.login(&phone, CLIENT_PASSWORD).await;
    app.post("/user/login", json!({"phonenumber": phone, "password": NEW_PASSWORD}))
        .await
        .assert_failure("password incorrect");
    app.post(
        "/user/modify",
        json!({"token": seller.token, "username": "卖家", "password": NEW_PASSWORD}),
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
    app.get(&format!("/user/mail/verify/{mail_token}"))
        .await
        .assert_success();
    let buyer = app.register().await;
    let item = json!({"token": seller.token, "title": "台灯", "type": 5, "price": 10, "depreciatione": 80, "note": "宿舍", "sold": 1});
    let itemid = app.post("/item/add", item).await.body["data"]["itemid"]
        .as_i64()
        .unwrap();
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

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
        ("new password", NEW_PASSWORD),
        ("verification code", code.as_str()),
        ("phone number", national.as_str()),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(secret), "the logs contain a {what}");
    }
}
