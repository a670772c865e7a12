//! /user/requirecode, /user/register, /user/login and /user/reset, over HTTP against the
//! emulators; codes are read back from the SMS the emulator received.

use foof_domain::phone::SmsCountries;
use foof_tests::{CLIENT_PASSWORD, OTHER_PASSWORD, TestApp, e164, unique_phone};
use futures_util::future::join_all;
use serde_json::json;
use std::time::Duration;

/// `/user/register` with these fields, as the real client sends them.
async fn register_with(app: &TestApp, phone: &str, code: &str, password: &str) -> foof_tests::Reply {
    app.post(
        "/user/register",
        json!({"phonenumber": phone, "verifycode": code, "password": password}),
    )
    .await
}

#[tokio::test]
async fn requirecode_sends_a_six_digit_code_by_sms_and_returns_only_success() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let reply = app.post("/user/requirecode", json!({"phonenumber": phone})).await;
    reply.assert_success();
    let sms = app.outbox.await_sms(&format!("+86{phone}"), 1).await;
    assert_eq!(sms.len(), 1);
    let code = foof_domain::codes::code_in_sms(&sms[0]).unwrap();
    assert_eq!(code.len(), 6);
    assert!(!reply.body.to_string().contains(code));
}

#[tokio::test]
async fn requirecode_refuses_a_second_request_within_a_minute() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    app.request_code(&phone).await;
    app.clock.advance(Duration::from_secs(59));
    app.post("/user/requirecode", json!({"phonenumber": phone}))
        .await
        .assert_failure("request too frequent");
    assert_eq!(
        app.outbox.sms_to(&e164(&phone)).await.len(),
        1,
        "no SMS for a refused request"
    );
    app.clock.advance(Duration::from_secs(2));
    app.request_code(&phone).await;
}

#[tokio::test]
async fn requirecode_caps_codes_per_phone_per_day() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    for _ in 0..10 {
        app.request_code(&phone).await;
        app.clock.advance(Duration::from_secs(61));
    }
    app.post("/user/requirecode", json!({"phonenumber": phone}))
        .await
        .assert_failure("request too frequent");
    assert_eq!(app.outbox.sms_to(&e164(&phone)).await.len(), 10);
}

#[tokio::test]
async fn requirecode_refuses_malformed_phone_numbers() {
    let app = TestApp::spawn().await;
    for phone in [
        json!("abc"),
        json!(""),
        json!("138-0013-8000"),
        json!(null),
        json!({"x": 1}),
        json!("+"),
    ] {
        app.post("/user/requirecode", json!({"phonenumber": phone}))
            .await
            .assert_failure("invaild request");
    }
    app.post("/user/requirecode", json!({}))
        .await
        .assert_failure("invaild request");
}

#[tokio::test]
async fn requirecode_texts_only_the_allowed_countries() {
    let foreign = format!("+1415{}", &unique_phone()[4..]);
    let app = TestApp::spawn().await;
    app.post("/user/requirecode", json!({"phonenumber": foreign}))
        .await
        .assert_failure("invaild request");
    assert!(
        app.outbox.sms_to(&foreign).await.is_empty(),
        "nothing is sent outside SMS_COUNTRY_CODES"
    );

    let north_america = TestApp::spawn_with(|config| config.sms_countries = SmsCountries::parse("86,1").unwrap()).await;
    north_america
        .post("/user/requirecode", json!({"phonenumber": foreign}))
        .await
        .assert_success();
    assert_eq!(north_america.outbox.await_sms(&foreign, 1).await.len(), 1);
}

#[tokio::test]
async fn requirecode_accepts_the_phone_as_a_json_number_and_as_a_form_field() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    app.post(
        "/user/requirecode",
        json!({"phonenumber": phone.parse::<i64>().unwrap()}),
    )
    .await
    .assert_success();
    let other = unique_phone();
    app.post_form("/user/requirecode", &[("phonenumber", &other)])
        .await
        .assert_success();
    assert_eq!(app.outbox.await_sms(&e164(&phone), 1).await.len(), 1);
    assert_eq!(app.outbox.await_sms(&e164(&other), 1).await.len(), 1);
}

#[tokio::test]
async fn register_creates_an_account_with_the_original_defaults() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    // Fields other than phonenumber/verifycode/password are ignored (no mass assignment).
    let body = json!({"phonenumber": phone, "verifycode": code, "password": CLIENT_PASSWORD,
                      "uuid": 1, "username": "admin", "score": 999, "verified": 1, "avatarurl": "../../etc/passwd"});
    let reply = app.post("/user/register", body).await;
    reply.assert_success();
    let user = app.login(&phone, CLIENT_PASSWORD).await;
    assert!(user.uuid > 0);
    let profile = app.get(&format!("/user/{}", user.uuid)).await;
    assert_eq!(
        profile.body,
        json!({"uuid": user.uuid, "username": "新手咸鱼人员", "avatarurl": "image/avatar/default.jpg",
               "verified": 0, "score": 10, "ratings": 0, "info": "这家伙很懒，什么都没有写＞︿＜", "status": "success"})
    );
}

#[tokio::test]
async fn register_gives_concurrent_accounts_distinct_positive_uuids() {
    let app = TestApp::spawn().await;
    let users = join_all((0..6).map(|_| app.register())).await;
    let ids: std::collections::BTreeSet<i64> = users.iter().map(|u| u.uuid).collect();
    assert_eq!(ids.len(), 6);
    assert!(ids.iter().all(|id| *id > 0));
}

#[tokio::test]
async fn register_refuses_a_wrong_code_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let reply = register_with(&app, &phone, wrong, CLIENT_PASSWORD).await;
    reply.assert_failure("bad verify code");
    app.post(
        "/user/login",
        json!({"phonenumber": phone, "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_failure("user not found");
    // The right code still works after one wrong guess.
    register_with(&app, &phone, &code, CLIENT_PASSWORD)
        .await
        .assert_success();
}

#[tokio::test]
async fn register_without_a_requested_code_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let reply = register_with(&app, &unique_phone(), "123456", CLIENT_PASSWORD).await;
    reply.assert_failure("invaild request");
}

#[tokio::test]
async fn register_refuses_an_expired_code() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    app.clock.advance(Duration::from_secs(601));
    let reply = register_with(&app, &phone, &code, CLIENT_PASSWORD).await;
    reply.assert_failure("bad verify code");
}

#[tokio::test]
async fn a_code_dies_after_five_wrong_guesses() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        let reply = register_with(&app, &phone, wrong, CLIENT_PASSWORD).await;
        reply.assert_failure("bad verify code");
    }
    let reply = register_with(&app, &phone, &code, CLIENT_PASSWORD).await;
    reply.assert_failure("bad verify code");
}

#[tokio::test]
async fn a_code_is_used_up_by_registering_and_a_phone_registers_once() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    // Same phone written the international way is the same phone.
    let international = format!("+86{}", user.phone);
    app.clock.advance(Duration::from_secs(61));
    let code = app.request_code(&international).await;
    let reply = register_with(&app, &international, &code, OTHER_PASSWORD).await;
    reply.assert_failure("phone number already token");
    // The code was checked first and used up (as the original did).
    let again = register_with(&app, &international, &code, OTHER_PASSWORD).await;
    again.assert_failure("invaild request");
    app.login(&user.phone, CLIENT_PASSWORD).await;
}

#[tokio::test]
async fn register_needs_every_field() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    for body in [
        json!({"phonenumber": phone, "verifycode": code}),
        json!({"phonenumber": phone, "password": CLIENT_PASSWORD}),
        json!({"verifycode": code, "password": CLIENT_PASSWORD}),
        json!({"phonenumber": phone, "verifycode": code, "password": ""}),
        json!({"phonenumber": phone, "verifycode": code, "password": "x".repeat(300)}),
    ] {
        app.post("/user/register", body).await.assert_failure("invaild request");
    }
    // None of those used the code up.
    register_with(&app, &phone, &code, CLIENT_PASSWORD)
        .await
        .assert_success();
}

#[tokio::test]
async fn register_accepts_form_and_multipart_bodies_and_a_numeric_code() {
    let app = TestApp::spawn().await;
    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    let fields = [
        ("phonenumber", phone.as_str()),
        ("verifycode", code.as_str()),
        ("password", CLIENT_PASSWORD),
    ];
    app.post_form("/user/register", &fields).await.assert_success();
    app.login(&phone, CLIENT_PASSWORD).await;

    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    let fields = [
        ("phonenumber", phone.as_str()),
        ("verifycode", code.as_str()),
        ("password", CLIENT_PASSWORD),
    ];
    app.post_multipart("/user/register", &fields, vec![])
        .await
        .assert_success();
    app.login(&phone, CLIENT_PASSWORD).await;

    let phone = unique_phone();
    let code = app.request_code(&phone).await;
    if !code.starts_with('0') {
        let body = json!({"phonenumber": phone.parse::<i64>().unwrap(), "verifycode": code.parse::<i64>().unwrap(), "password": CLIENT_PASSWORD});
        app.post("/user/register", body).await.assert_success();
        app.login(&phone, CLIENT_PASSWORD).await;
    }
}

#[tokio::test]
async fn login_returns_the_protected_profile_and_a_token() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let reply = app
        .post(
            "/user/login",
            json!({"phonenumber": user.phone, "password": CLIENT_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "success");
    assert_eq!(
        reply.body["info"],
        json!({"uuid": user.uuid, "username": "新手咸鱼人员", "phonenumber": user.phone, "idcard": "", "studentid": "0",
               "address": "", "avatarurl": "image/avatar/default.jpg", "verified": 0, "score": 10,
               "info": "这家伙很懒，什么都没有写＞︿＜"})
    );
    let token = reply.body["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert!(
        !reply.body.to_string().contains("argon2"),
        "no password hash in the reply"
    );
}

#[tokio::test]
async fn login_failures_use_the_original_strings() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.post(
        "/user/login",
        json!({"phonenumber": user.phone, "password": OTHER_PASSWORD}),
    )
    .await
    .assert_failure("password incorrect");
    app.post(
        "/user/login",
        json!({"phonenumber": unique_phone(), "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_failure("user not found");
    app.post("/user/login", json!({"phonenumber": user.phone}))
        .await
        .assert_failure("invaild request");
    app.post("/user/login", json!({"password": CLIENT_PASSWORD}))
        .await
        .assert_failure("invaild request");
    app.post(
        "/user/login",
        json!({"phonenumber": "not a phone", "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_failure("invaild request");
}

#[tokio::test]
async fn login_accepts_form_multipart_and_numeric_phone() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let fields = [("phonenumber", user.phone.as_str()), ("password", CLIENT_PASSWORD)];
    assert_eq!(app.post_form("/user/login", &fields).await.body["status"], "success");
    assert_eq!(
        app.post_multipart("/user/login", &fields, vec![]).await.body["status"],
        "success"
    );
    let numeric = json!({"phonenumber": user.phone.parse::<i64>().unwrap(), "password": CLIENT_PASSWORD});
    assert_eq!(app.post("/user/login", numeric).await.body["info"]["uuid"], user.uuid);
}

#[tokio::test]
async fn reset_sets_a_new_password_with_a_fresh_code() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.clock.advance(Duration::from_secs(61));
    let code = app.request_code(&user.phone).await;
    app.post(
        "/user/reset",
        json!({"phonenumber": user.phone, "verifycode": code, "password": OTHER_PASSWORD}),
    )
    .await
    .assert_success();
    app.post(
        "/user/login",
        json!({"phonenumber": user.phone, "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_failure("password incorrect");
    let again = app.login(&user.phone, OTHER_PASSWORD).await;
    assert_eq!(again.uuid, user.uuid);
}

#[tokio::test]
async fn reset_failures() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    // Unknown phone, even with a valid code for it.
    let stranger = unique_phone();
    let code = app.request_code(&stranger).await;
    app.post(
        "/user/reset",
        json!({"phonenumber": stranger, "verifycode": code, "password": OTHER_PASSWORD}),
    )
    .await
    .assert_failure("invaild request");
    // No code outstanding (registration used it up).
    app.post(
        "/user/reset",
        json!({"phonenumber": user.phone, "verifycode": "123456", "password": OTHER_PASSWORD}),
    )
    .await
    .assert_failure("invaild request");
    // Wrong code.
    app.clock.advance(Duration::from_secs(61));
    let code = app.request_code(&user.phone).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    app.post(
        "/user/reset",
        json!({"phonenumber": user.phone, "verifycode": wrong, "password": OTHER_PASSWORD}),
    )
    .await
    .assert_failure("bad verify code");
    // Missing password.
    app.post("/user/reset", json!({"phonenumber": user.phone, "verifycode": code}))
        .await
        .assert_failure("invaild request");
    // Nothing changed.
    app.login(&user.phone, CLIENT_PASSWORD).await;
}

#[tokio::test]
async fn tokens_expire_after_thirty_days() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.clock.advance(Duration::from_secs(29 * 86_400));
    assert_eq!(app.post("/user/me", json!({"token": user.token})).await.status, 200);
    app.clock.advance(Duration::from_secs(2 * 86_400));
    app.post("/user/me", json!({"token": user.token}))
        .await
        .assert_forbidden();
}
