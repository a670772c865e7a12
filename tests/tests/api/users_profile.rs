//! /user/{uuid}, /user/me, /user/modify, /user/avatar, /user/mail/verify and the published /
//! finished lists, over HTTP against the emulators.

use crate::helpers::contains;
use foof_tests::fixtures::{PHOTO, PNG};
use foof_tests::{CLIENT_PASSWORD, OTHER_PASSWORD, TestApp, TestUser, unique_phone};
use serde_json::{Value, json};
use std::time::Duration;

/// An idcard no other test (or earlier run against the same emulator) mails to.
fn unique_idcard() -> String {
    format!("2{}", &unique_phone()[3..])
}

#[tokio::test]
async fn public_profile_of_an_unknown_or_malformed_uuid() {
    let app = TestApp::spawn().await;
    app.get("/user/999999999").await.assert_failure("no such user");
    app.get("/user/abc").await.assert_failure("invaild request");
    app.get("/user/0").await.assert_failure("invaild request");
}

#[tokio::test]
async fn me_needs_a_valid_login_token() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let me = app.me(&user).await;
    assert_eq!(me["status"], "success");
    assert_eq!(me["uuid"], user.uuid);
    assert_eq!(me["phonenumber"], user.phone.as_str());
    assert!(me.get("password").is_none());

    // The token in a bearer header works as well as in the body.
    let bearer = app
        .http
        .post(app.url("/user/me"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);

    app.post("/user/me", json!({})).await.assert_forbidden();
    app.post("/user/me", json!({"token": "garbage"}))
        .await
        .assert_forbidden();
    app.post("/user/me", json!({"token": format!("{}x", user.token)}))
        .await
        .assert_forbidden();
    app.post_form("/user/me", &[("token", "garbage")])
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn modify_changes_only_whitelisted_fields() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let body = json!({"token": user.token, "username": "小明", "idcard": "213170001", "studentid": "09", "address": "T",
                      "info": "卖闲置", "avatarurl": "http://evil/x.jpg", "uuid": 1, "score": 100, "verified": 1});
    app.post("/user/modify", body).await.assert_success();
    let me = app.me(&user).await;
    assert_eq!(
        (
            &me["username"],
            &me["idcard"],
            &me["studentid"],
            &me["address"],
            &me["info"]
        ),
        (
            &json!("小明"),
            &json!("213170001"),
            &json!("09"),
            &json!("T"),
            &json!("卖闲置")
        )
    );
    assert_eq!(
        (&me["avatarurl"], &me["score"], &me["verified"], &me["uuid"]),
        (
            &json!("image/avatar/default.jpg"),
            &json!(10),
            &json!(0),
            &json!(user.uuid)
        )
    );

    // Absent fields stay; numbers are accepted for text fields (the client sends codes like 9).
    app.post("/user/modify", json!({"token": user.token, "studentid": 9}))
        .await
        .assert_success();
    let me = app.me(&user).await;
    assert_eq!((&me["username"], &me["studentid"]), (&json!("小明"), &json!("9")));
}

#[tokio::test]
async fn modify_with_a_password_changes_the_password() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let fields = [
        ("token", user.token.as_str()),
        ("username", "新名字"),
        ("password", OTHER_PASSWORD),
    ];
    app.post_form("/user/modify", &fields).await.assert_success();
    app.post(
        "/user/login",
        json!({"phonenumber": user.phone, "password": CLIENT_PASSWORD}),
    )
    .await
    .assert_failure("password incorrect");
    let again = app.login(&user.phone, OTHER_PASSWORD).await;
    assert_eq!(app.me(&again).await["username"], "新名字");
    // An empty password means "unchanged", as in the original.
    app.post("/user/modify", json!({"token": again.token, "password": ""}))
        .await
        .assert_success();
    app.login(&user.phone, OTHER_PASSWORD).await;
}

#[tokio::test]
async fn modify_refuses_bad_values_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let before = app.me(&user).await;
    for body in [
        json!({"token": user.token, "username": "x".repeat(33)}),
        json!({"token": user.token, "username": "   "}),
        json!({"token": user.token, "username": "ok", "idcard": "a@b.c"}),
        json!({"token": user.token, "username": "ok", "info": "i".repeat(256)}),
        json!({"token": user.token, "username": "ok", "address": {"nested": true}}),
        json!({"token": user.token, "username": "ok", "password": "p".repeat(300)}),
    ] {
        app.post("/user/modify", body).await.assert_failure("invaild request");
    }
    assert_eq!(app.me(&user).await, before);
    app.post("/user/modify", json!({"username": "no token"}))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn mail_verification_proves_the_idcard() {
    let app = TestApp::spawn().await;
    let (user, idcard, path) = mailed_link(&app).await;
    let path = &path;
    assert_ne!(app.me(&user).await["verified"], 1);

    // Opening the link shows a page and changes nothing: only its button (a POST) confirms.
    let (status, content_type, page) = app.get_bytes(path).await;
    assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"));
    assert!(String::from_utf8(page).unwrap().contains("<form method=\"post\">"));
    assert_ne!(app.me(&user).await["verified"], 1);
    app.post(path, json!({})).await.assert_success();
    let me = app.me(&user).await;
    assert_eq!((&me["idcard"], &me["verified"]), (&json!(idcard), &json!(1)));
    assert_eq!(app.get(&format!("/user/{}", user.uuid)).await.body["verified"], 1);

    // Changing the idcard un-verifies.
    app.post("/user/modify", json!({"token": user.token, "idcard": "213179999"}))
        .await
        .assert_success();
    assert_eq!(app.me(&user).await["verified"], 0);
}

#[tokio::test]
async fn mail_verification_uses_the_stored_idcard_when_none_is_given() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    // A new user has no idcard: nothing to verify.
    app.post("/user/mail/verify", json!({"token": user.token}))
        .await
        .assert_failure("invaild request");
    let idcard = unique_idcard();
    app.post("/user/modify", json!({"token": user.token, "idcard": idcard}))
        .await
        .assert_success();
    app.post("/user/mail/verify", json!({"token": user.token}))
        .await
        .assert_success();
    assert_eq!(app.outbox.mail_to(&format!("{idcard}@seu.edu.cn")).await.len(), 1);
    app.post(
        "/user/mail/verify",
        json!({"token": user.token, "idcard": "bad@idcard"}),
    )
    .await
    .assert_failure("invaild request");
    app.post("/user/mail/verify", json!({"idcard": idcard}))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn mail_links_expire_and_only_mail_tokens_verify() {
    let app = TestApp::spawn().await;
    let (user, _, link) = mailed_link(&app).await;
    let mail_token = link.rsplit('/').next().unwrap().to_owned();

    // A mail token is not a login token.
    app.post("/user/me", json!({"token": mail_token}))
        .await
        .assert_forbidden();
    // A login token is not a mail token, and garbage is nothing.
    app.post(&format!("/user/mail/verify/{}", user.token), json!({}))
        .await
        .assert_failure("invaild request");
    app.post("/user/mail/verify/not-a-token", json!({}))
        .await
        .assert_failure("invaild request");

    app.clock.advance(Duration::from_secs(31 * 60));
    app.post(&format!("/user/mail/verify/{mail_token}"), json!({}))
        .await
        .assert_failure("invaild request");
    assert_eq!(app.me(&user).await["verified"], 0);
}

#[tokio::test]
async fn avatar_upload_stores_a_clean_image_and_serves_it() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let reply = app
        .post_multipart(
            "/user/avatar",
            &[("token", &user.token), ("path", "file:///local/a.jpg")],
            vec![("file", "image.jpg", PHOTO.to_vec())],
        )
        .await;
    reply.assert_success();
    let avatar = format!("image/avatar/{}.jpg", user.uuid);
    assert_eq!(app.me(&user).await["avatarurl"], avatar.as_str());
    assert_eq!(
        app.get(&format!("/user/{}", user.uuid)).await.body["avatarurl"],
        avatar.as_str()
    );

    let (status, content_type, bytes) = app.get_bytes(&format!("/{avatar}")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(
        contains(PHOTO, b"FOOFPhone") && !contains(&bytes, b"FOOFPhone"),
        "EXIF was not stripped"
    );

    // A PNG replaces it under its own extension; the old file is gone.
    let reply = app
        .post_multipart(
            "/user/avatar",
            &[("token", &user.token)],
            vec![("file", "image.jpg", PNG.to_vec())],
        )
        .await;
    reply.assert_success();
    let png = format!("image/avatar/{}.png", user.uuid);
    assert_eq!(app.me(&user).await["avatarurl"], png.as_str());
    let (status, content_type, bytes) = app.get_bytes(&format!("/{png}")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(!contains(&bytes, b"secret comment"));
    assert_eq!(app.get_bytes(&format!("/{avatar}")).await.0, 404);
}

#[tokio::test]
async fn avatar_upload_failures_change_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let token = [("token", user.token.as_str())];
    type Parts = Vec<(&'static str, &'static str, Vec<u8>)>;
    let failures: Vec<(Parts, u16)> = vec![
        (vec![], 200),
        (
            vec![("file", "image.jpg", b"<?php echo 'not an image'; ?>".to_vec())],
            200,
        ),
        (
            vec![("file", "a.jpg", PHOTO.to_vec()), ("file", "b.jpg", PHOTO.to_vec())],
            200,
        ),
        (vec![("file", "half.jpg", PHOTO[..PHOTO.len() / 2].to_vec())], 200),
    ];
    for (files, status) in failures {
        let reply = app.post_multipart("/user/avatar", &token, files).await;
        assert_eq!(reply.status, status);
        reply.assert_failure("invaild request");
    }
    let mut huge = PHOTO.to_vec();
    huge.resize(1024 * 1024 + 1, 0);
    let reply = app
        .post_multipart("/user/avatar", &token, vec![("file", "big.jpg", huge)])
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body["status"], "failure");

    let reply = app
        .post_multipart("/user/avatar", &[], vec![("file", "image.jpg", PHOTO.to_vec())])
        .await;
    reply.assert_forbidden();
    assert_eq!(app.me(&user).await["avatarurl"], "image/avatar/default.jpg");
    assert_eq!(app.get_bytes(&format!("/image/avatar/{}.jpg", user.uuid)).await.0, 404);
}

#[tokio::test]
async fn the_shipped_placeholders_are_served() {
    let app = TestApp::spawn().await;
    for path in ["/image/avatar/default.jpg", "/image/item/default.jpg"] {
        let (status, content_type, bytes) = app.get_bytes(path).await;
        assert_eq!((status, content_type.as_str()), (200, "image/jpeg"), "{path}");
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    }
    let reply = app.get("/image/avatar/nobody.jpg").await;
    assert_eq!((reply.status, &reply.body["status"]), (404, &json!("failure")));
    assert_eq!(app.get("/image/../secret").await.status, 404);
}

#[tokio::test]
async fn published_and_finished_are_bare_arrays() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let published = app
        .post("/user/published", json!({"token": user.token, "uuid": user.uuid}))
        .await;
    assert_eq!((published.status, published.body.is_array()), (200, true));
    app.post("/user/published", json!({}))
        .await
        .assert_failure("invaild request");
    let finished = app.post("/user/finished", json!({"token": user.token})).await;
    assert_eq!((finished.status, finished.body.is_array()), (200, true));
    app.post("/user/finished", json!({})).await.assert_forbidden();
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_404s() {
    let app = TestApp::spawn().await;
    for reply in [
        app.get("/nope").await,
        app.post("/user/nope/deeper", json!({})).await,
        app.get("/user/login").await,
    ] {
        assert_eq!(
            (reply.status, &reply.body),
            (404, &json!({"status": "failure", "info": "not found"}))
        );
    }
}

#[tokio::test]
async fn malformed_bodies_are_invalid_requests() {
    let app = TestApp::spawn().await;
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/json", "[1, 2]"),
        ("application/json", "\"text\""),
        ("multipart/form-data; boundary=x", "--x\r\nbroken"),
        ("text/plain", "hello"),
    ] {
        let reply = app.post_raw("/user/login", content_type, body).await;
        reply.assert_failure("invaild request");
    }
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let app = TestApp::spawn().await;
    let big = json!({"phonenumber": "1", "padding": "x".repeat(1024 * 1024)});
    let reply = app.post("/user/login", big).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.body,
        json!({"status": "failure", "info": "request entity too large"})
    );
    let _: Value = reply.body;
}

/// The path of the newest verification link mailed to `idcard`'s campus mailbox.
/// A new user who asked for a verification mail to a new idcard, the idcard, and its link.
async fn mailed_link(app: &TestApp) -> (TestUser, String, String) {
    let user = app.register().await;
    let idcard = unique_idcard();
    app.post("/user/mail/verify", json!({"token": user.token, "idcard": idcard}))
        .await
        .assert_success();
    let link = newest_link(app, &idcard).await;
    (user, idcard, link)
}

async fn newest_link(app: &TestApp, idcard: &str) -> String {
    let mails = app.outbox.mail_to(&format!("{idcard}@seu.edu.cn")).await;
    let link = mails
        .last()
        .expect("a verification mail was sent")
        .verification_link()
        .unwrap();
    link[link.find("/user/mail/verify/").unwrap()..].to_owned()
}

#[tokio::test]
async fn a_stale_mail_link_never_overwrites_a_newer_address_and_a_link_works_once() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let (older, newer) = (unique_idcard(), unique_idcard());
    for idcard in [&older, &newer] {
        app.post("/user/mail/verify", json!({"token": user.token, "idcard": idcard}))
            .await
            .assert_success();
    }
    let (stale, newest) = (newest_link(&app, &older).await, newest_link(&app, &newer).await);
    app.post(&stale, json!({})).await.assert_failure("invaild request");
    app.post(&newest, json!({})).await.assert_success();
    app.post(&newest, json!({})).await.assert_failure("invaild request");
    app.post(&stale, json!({})).await.assert_failure("invaild request");
    let me = app.me(&user).await;
    assert_eq!((&me["idcard"], &me["verified"]), (&json!(newer), &json!(1)));
}

#[tokio::test]
async fn verification_mail_is_limited_per_mailbox_and_per_account() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let ask = |idcard: &str| app.post("/user/mail/verify", json!({"token": user.token, "idcard": idcard}));
    let mailbox = unique_idcard();
    for _ in 0..3 {
        ask(&mailbox).await.assert_success();
    }
    ask(&mailbox).await.assert_failure("request too frequent");
    assert_eq!(app.outbox.mail_to(&format!("{mailbox}@seu.edu.cn")).await.len(), 3);
    ask(&unique_idcard()).await.assert_success();
    ask(&unique_idcard()).await.assert_failure("request too frequent");
    // Another account may still mail another mailbox; the day's window ends.
    let other = app.register().await;
    app.post(
        "/user/mail/verify",
        json!({"token": other.token, "idcard": unique_idcard()}),
    )
    .await
    .assert_success();
    app.clock.advance(Duration::from_secs(86_401));
    ask(&mailbox).await.assert_success();
}

/// A browser pressing the page's button gets a page back, for either outcome.
#[tokio::test]
async fn a_browser_confirming_the_link_gets_a_page() {
    let app = TestApp::spawn().await;
    let (user, _, path) = mailed_link(&app).await;
    let press = || {
        app.http
            .post(app.url(&path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
    };
    let first = press().await.unwrap();
    assert_eq!(first.headers()["content-type"], "text/html; charset=utf-8");
    assert!(first.text().await.unwrap().contains("认证成功"));
    assert!(
        press().await.unwrap().text().await.unwrap().contains("链接无效"),
        "a link works once"
    );
    assert_eq!(app.me(&user).await["verified"], 1);
}
