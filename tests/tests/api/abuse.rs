//! Abuse limits: failed logins lock a phone's logins for the rest of the window; code
//! requests are limited per source address.

use foof_tests::{CLIENT_PASSWORD, TestApp, e164, unique_phone};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

const WRONG: &str = "0000000000000000000000000000000000000000";

#[tokio::test]
async fn five_wrong_passwords_lock_the_phone_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let login =
        |password: &'static str| app.post("/user/login", json!({"phonenumber": user.phone, "password": password}));
    for _ in 0..5 {
        login(WRONG).await.assert_failure("password incorrect");
    }
    login(CLIENT_PASSWORD).await.assert_failure("request too frequent");
    login(WRONG).await.assert_failure("request too frequent");
    app.clock.advance(Duration::from_secs(14 * 60));
    login(CLIENT_PASSWORD).await.assert_failure("request too frequent");
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(login(CLIENT_PASSWORD).await.body["status"], "success");
    // Other phones were never affected.
    let other = app.register().await;
    assert_eq!(
        app.post(
            "/user/login",
            json!({"phonenumber": other.phone, "password": CLIENT_PASSWORD})
        )
        .await
        .body["status"],
        "success"
    );
}

#[tokio::test]
async fn a_few_wrong_passwords_do_not_lock() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    for _ in 0..4 {
        app.post("/user/login", json!({"phonenumber": user.phone, "password": WRONG}))
            .await
            .assert_failure("password incorrect");
    }
    app.login(&user.phone, CLIENT_PASSWORD).await;
}

/// A loopback address of this test's own, so that no other test's requests count with it.
fn own_loopback() -> IpAddr {
    let n: u32 = unique_phone()[3..].parse().unwrap();
    IpAddr::V4(Ipv4Addr::new(
        127,
        10 + (n % 200) as u8,
        (n / 200 % 250) as u8 + 1,
        (n / 50_000 % 250) as u8 + 1,
    ))
}

#[tokio::test]
async fn code_requests_are_limited_per_source_address() {
    let app = TestApp::spawn_with(|config| config.limits.codes_per_source.max = 3).await;
    let client = reqwest::Client::builder()
        .local_address(own_loopback())
        .build()
        .unwrap();
    let neighbour = reqwest::Client::builder()
        .local_address(own_loopback())
        .build()
        .unwrap();
    let ask_from = |client: &reqwest::Client, phone: String| {
        let request = client
            .post(app.url("/user/requirecode"))
            .json(&json!({"phonenumber": phone}));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let ask = |phone: String| ask_from(&client, phone);
    let phones: Vec<String> = (0..4).map(|_| unique_phone()).collect();
    for phone in &phones[..3] {
        assert_eq!(ask(phone.clone()).await, json!({"status": "success"}));
    }
    assert_eq!(
        ask(phones[3].clone()).await,
        json!({"status": "failure", "info": "request too frequent"})
    );
    assert!(
        app.outbox.sms_to(&e164(&phones[3])).await.is_empty(),
        "no SMS past the limit"
    );
    // Another source is not affected, and the window ends.
    assert_eq!(
        ask_from(&neighbour, phones[3].clone()).await,
        json!({"status": "success"})
    );
    app.clock.advance(Duration::from_secs(3601));
    assert_eq!(ask(unique_phone()).await, json!({"status": "success"}));
}
