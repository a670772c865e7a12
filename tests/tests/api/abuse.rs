//! Abuse limits: failed logins lock a phone's logins for the rest of the window; code
//! requests are limited per source address.

use foof_tests::{CLIENT_PASSWORD, TestApp, e164, unique_phone};
use futures_util::future::join_all;
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

/// A client on an address of its own.
fn own_client() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(own_loopback())
        .build()
        .unwrap()
}

/// Spending a victim's codes for the day takes several addresses: each one may have only a
/// few of a phone's codes sent, and refused requests spend none of them.
#[tokio::test]
async fn one_address_may_have_only_a_few_of_a_phones_codes_sent() {
    let app = TestApp::spawn_with(|config| config.limits.codes_per_phone_per_source.max = 2).await;
    let (attacker, other) = (own_client(), own_client());
    let ask = |client: &reqwest::Client, phone: &str| {
        let request = client
            .post(app.url("/user/requirecode"))
            .json(&json!({"phonenumber": phone}));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let victim = unique_phone();
    let too_frequent = json!({"status": "failure", "info": "request too frequent"});
    assert_eq!(ask(&attacker, &victim).await, json!({"status": "success"}));
    assert_eq!(ask(&attacker, &victim).await, too_frequent, "within the resend minute");
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(ask(&attacker, &victim).await, json!({"status": "success"}));
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(ask(&attacker, &victim).await, too_frequent);
    assert_eq!(app.outbox.sms_to(&e164(&victim)).await.len(), 2);
    assert_eq!(
        ask(&other, &victim).await,
        json!({"status": "success"}),
        "the refused code was taken back"
    );
    assert_eq!(ask(&attacker, &unique_phone()).await, json!({"status": "success"}));
}

#[tokio::test]
async fn code_requests_are_limited_per_source_address() {
    let app = TestApp::spawn_with(|config| config.limits.codes_per_source.max = 3).await;
    let (client, neighbour) = (own_client(), own_client());
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

/// A code is judged at most `max_tries` (5) times however many guesses arrive at once: each
/// round sends 29 wrong guesses and the right one together, the right one eleventh. Were all
/// of them judged, the right one would win every round.
#[tokio::test]
async fn guesses_sent_at_once_are_judged_at_most_the_codes_tries() {
    let app = TestApp::spawn().await;
    let mut wins = 0;
    for _ in 0..8 {
        let phone = unique_phone();
        let code: u32 = app.request_code(&phone).await.parse().unwrap();
        let mut guesses: Vec<u32> = (1..=29).map(|offset| (code + offset) % 1_000_000).collect();
        guesses.insert(10, code);
        let register = |guess: u32| {
            let body = json!({"phonenumber": phone, "verifycode": format!("{guess:06}"), "password": CLIENT_PASSWORD});
            app.post("/user/register", body)
        };
        let replies = join_all(guesses.into_iter().map(register)).await;
        let accepted = replies.iter().filter(|reply| reply.body["status"] == "success").count();
        // Refused: judged wrong or out of tries, or (once the right guess has used the code up)
        // no code outstanding.
        let refused = replies
            .iter()
            .filter(|reply| {
                reply.body == json!({"status": "failure", "info": "bad verify code"})
                    || reply.body == json!({"status": "failure", "info": "invaild request"})
            })
            .count();
        assert_eq!(accepted + refused, 30, "{replies:?}");
        wins += accepted;
    }
    assert!(wins <= 3, "the right guess won {wins} rounds of 8");
}

fn client_from(address: IpAddr) -> reqwest::Client {
    reqwest::Client::builder().local_address(address).build().unwrap()
}

async fn login_from(app: &TestApp, client: &reqwest::Client, phone: &str, password: &str) -> Value {
    let request = client
        .post(app.url("/user/login"))
        .json(&json!({"phonenumber": phone, "password": password}));
    request.send().await.unwrap().json().await.unwrap()
}

/// Each attempt takes its place in the phone's window before its password is judged.
#[tokio::test]
async fn wrong_passwords_sent_at_once_are_judged_no_more_than_the_limit() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let client = client_from(own_loopback());
    let attempts = (0..40).map(|_| login_from(&app, &client, &user.phone, WRONG));
    let replies = join_all(attempts).await;
    let count = |info: &str| replies.iter().filter(|reply| reply["info"] == info).count();
    assert_eq!(
        (count("password incorrect"), count("request too frequent")),
        (5, 35),
        "{replies:?}"
    );
}

#[tokio::test]
async fn one_address_cannot_lock_a_victim_out_but_several_can_only_for_the_window() {
    let app = TestApp::spawn().await;
    let user = app.register().await;
    let attackers: Vec<reqwest::Client> = (0..4).map(|_| client_from(own_loopback())).collect();
    let victim = client_from(own_loopback());
    for _ in 0..5 {
        let reply = login_from(&app, &attackers[0], &user.phone, WRONG).await;
        assert_eq!(reply["info"], "password incorrect");
    }
    let locked = json!({"status": "failure", "info": "request too frequent"});
    assert_eq!(
        login_from(&app, &attackers[0], &user.phone, CLIENT_PASSWORD).await,
        locked
    );
    assert_eq!(
        login_from(&app, &victim, &user.phone, CLIENT_PASSWORD).await["status"],
        "success"
    );
    // Twenty wrong passwords for the phone, from four addresses: now it is locked for everyone.
    for attacker in &attackers[1..] {
        for _ in 0..5 {
            assert_eq!(
                login_from(&app, attacker, &user.phone, WRONG).await["info"],
                "password incorrect"
            );
        }
    }
    assert_eq!(login_from(&app, &victim, &user.phone, CLIENT_PASSWORD).await, locked);
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        login_from(&app, &victim, &user.phone, CLIENT_PASSWORD).await["status"],
        "success"
    );
}
