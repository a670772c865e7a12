//! Login tokens end with a password reset (all of them) or change (all but the one making
//! it), and tokens of users that do not exist are refused everywhere.

use foof_tests::{OTHER_PASSWORD, TestApp, TestUser};
use serde_json::json;
use std::time::Duration;

/// What the functions other than users answer an old token with, one request each.
async fn elsewhere(app: &TestApp, user: &TestUser) -> Vec<u16> {
    let token = json!({"token": user.token});
    let mut statuses = Vec::new();
    for path in ["/fav/query", "/user/chat/fetchnew", "/user/want/deleteall"] {
        statuses.push(app.post(path, token.clone()).await.status);
    }
    statuses
}

#[tokio::test]
async fn a_password_reset_ends_every_earlier_login_token() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    // The other functions have seen the token (and may remember it for the recheck interval).
    assert_eq!(app.post("/fav/query", json!({"token": user.token})).await.status, 200);
    app.clock.advance(Duration::from_secs(61));
    let code = app.request_code(&user.phone).await;
    let reset = json!({"phonenumber": user.phone, "verifycode": code, "password": OTHER_PASSWORD});
    app.post("/user/reset", reset).await.assert_success();
    app.post("/user/me", json!({"token": user.token}))
        .await
        .assert_forbidden();
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(elsewhere(&app, &user).await, [403, 403, 403]);
    let again = app.login(&user.phone, OTHER_PASSWORD).await;
    assert_eq!(app.me(&again).await["uuid"], user.uuid);
    assert_eq!(app.post("/fav/query", json!({"token": again.token})).await.status, 200);
}

/// The real client changes the password with /user/modify and goes on (it uploads the avatar
/// next) with the token it has: that login stays, every other one ends.
#[tokio::test]
async fn a_password_change_ends_every_other_login() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let other_device = app.login(&user.phone, foof_tests::CLIENT_PASSWORD).await;
    app.post("/user/modify", json!({"token": user.token, "password": OTHER_PASSWORD}))
        .await
        .assert_success();
    app.post("/user/me", json!({"token": other_device.token}))
        .await
        .assert_forbidden();
    assert_eq!(app.me(&user).await["uuid"], user.uuid);
    let again = app.login(&user.phone, OTHER_PASSWORD).await;
    assert_eq!(app.me(&again).await["uuid"], user.uuid);
}

#[tokio::test]
async fn a_profile_change_without_a_password_keeps_the_token() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.post("/user/modify", json!({"token": user.token, "username": "新名字"}))
        .await
        .assert_success();
    assert_eq!(app.me(&user).await["username"], "新名字");
}

#[tokio::test]
async fn a_token_whose_user_does_not_exist_is_refused_everywhere() {
    let app = TestApp::spawn().await;
    let ghost = TestUser {
        phone: String::new(),
        password: String::new(),
        uuid: i64::from(i32::MAX) - 7,
        token: foof_tests::token_for(i64::from(i32::MAX) - 7),
    };
    let mut statuses = elsewhere(&app, &ghost).await;
    for path in ["/user/me", "/item/add", "/item/order"] {
        statuses.push(app.post(path, json!({"token": ghost.token})).await.status);
    }
    assert_eq!(statuses, [403; 6]);
}
