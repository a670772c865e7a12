//! Login tokens end with a password reset (all of them) or change (all but the one making
//! it), and tokens of users that do not exist are refused everywhere.

use foof_tests::{OTHER_PASSWORD, TestApp, TestUser};
use futures_util::future::join_all;
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

/// A token copied off a device must not be able to take the account over: once its login is
/// older than `RECENT_LOGIN_MINUTES`, a new password needs the old one.
#[tokio::test]
async fn a_password_change_from_an_older_login_needs_the_right_old_password() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.clock.advance(Duration::from_secs(11 * 60));
    let change = |old: Option<&str>| {
        let mut body = json!({"token": user.token, "username": "改名", "password": OTHER_PASSWORD});
        if let Some(old) = old {
            body["oldpassword"] = json!(old);
        }
        app.post("/user/modify", body)
    };
    change(None).await.assert_failure("old password required");
    change(Some("0000000000000000000000000000000000000000"))
        .await
        .assert_failure("password incorrect");
    assert_ne!(
        app.me(&user).await["username"],
        "改名",
        "a refused change changes nothing"
    );
    app.post(
        "/user/login",
        json!({"phonenumber": user.phone, "password": OTHER_PASSWORD}),
    )
    .await
    .assert_failure("password incorrect");
    change(Some(&user.password)).await.assert_success();
    assert_eq!(app.me(&user).await["username"], "改名");
    app.login(&user.phone, OTHER_PASSWORD).await;
}

#[tokio::test]
async fn old_password_guesses_sent_at_once_are_judged_at_most_five_times() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    app.clock.advance(Duration::from_secs(11 * 60));
    let guess = |n: usize| {
        let body = json!({"token": user.token, "password": OTHER_PASSWORD,
                          "oldpassword": format!("{n:040}")});
        app.post("/user/modify", body)
    };
    let replies = join_all((0..30).map(guess)).await;
    let judged = replies
        .iter()
        .filter(|r| r.body["info"] == "password incorrect")
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.body["info"] == "request too frequent")
        .count();
    assert_eq!((judged, refused), (5, 25));
    app.login(&user.phone, &user.password).await;
}
