//! Support for FOOF's integration tests: the real routers served over real HTTP on a free
//! port, backed by the local emulators (`make test` starts them), with an injectable clock,
//! and an outbox that reads the SMS and mail the emulator received.

mod exclusive;
mod outbox;
mod runtime_stub;

pub use exclusive::{Exclusive, Shared};
pub use outbox::{Mail, Outbox};
pub use runtime_stub::{Invocation, RuntimeApiStub};

use foof_domain::clock::ManualClock;
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The SHA-1 hex the real client sends for the password "123456".
pub const CLIENT_PASSWORD: &str = "7c4a8d09ca3762af61e59520943dc26494f8941b";
/// Another password as the client sends one: a new password, or a wrong one.
pub const OTHER_PASSWORD: &str = "e10adc3949ba59abbe56e057f20f883e00000000";

/// The test images of `shared/fixtures`, each carrying metadata that uploads must strip.
pub mod fixtures {
    /// A JPEG whose EXIF names the camera "FOOFPhone".
    pub const PHOTO: &[u8] = include_bytes!("../../shared/fixtures/photo.jpg");
    /// A PNG with text chunks ("secret comment", an author).
    pub const PNG: &[u8] = include_bytes!("../../shared/fixtures/with-text.png");
    /// A GIF with a comment extension ("secret comment").
    pub const GIF: &[u8] = include_bytes!("../../shared/fixtures/with-comment.gif");
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub outbox: Outbox,
}

/// A registered, logged-in user.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub phone: String,
    pub password: String,
    pub uuid: i64,
    pub token: String,
}

/// A reply: HTTP status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Asserts `{"status":"failure","info":info}` with HTTP 200.
    #[track_caller]
    pub fn assert_failure(&self, info: &str) {
        assert_eq!(
            (self.status, &self.body),
            (200, &json!({"status": "failure", "info": info}))
        );
    }

    #[track_caller]
    pub fn assert_success(&self) {
        assert_eq!((self.status, &self.body), (200, &json!({"status": "success"})));
    }

    #[track_caller]
    pub fn assert_forbidden(&self) {
        assert_eq!(
            (self.status, &self.body),
            (403, &json!({"status": "failure", "info": "forbidden"}))
        );
    }
}

/// A valid login token (version 0) for `uuid`, signed with the suite's `JWT_SECRET`, whether
/// or not such a user exists.
pub fn token_for(uuid: i64) -> String {
    let config = Config::from_env().expect("configuration");
    let foof_shared::config::JwtSecret::Value(secret) = config.jwt_secret else {
        panic!("the tests run with JWT_SECRET set")
    };
    let clock = Arc::new(foof_domain::clock::SystemClock);
    let tokens = foof_domain::tokens::TokenService::new(
        secret.as_bytes(),
        config.login_token_lifetime,
        config.mail_token_lifetime,
        clock,
    );
    tokens.issue_login(foof_domain::ids::UserId::new(uuid), 0)
}

/// The emulator endpoint; the suite refuses to run without one rather than skip silently.
pub fn emulator_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").expect(
        "integration tests need the local AWS emulators: run `make test` \
         (or `make test-external` with AWS_ENDPOINT_URL set)",
    )
}

/// DynamoDB's emulator (DynamoDB Local, or LocalStack, which serves every service).
pub fn emulator_dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| emulator_endpoint())
}

/// A word no other test (or earlier run) uses: letters only, so it stays one search token.
pub fn unique_word() -> String {
    unique_phone()
        .bytes()
        .skip(2)
        .map(|b| char::from(b'a' + (b - b'0')))
        .collect()
}

/// A Chinese mobile number no other test (or earlier run) has used.
pub fn unique_phone() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let seed = nanos / 1000 + u64::from(std::process::id()) * 7_919 + COUNTER.fetch_add(1, Ordering::SeqCst) * 104_729;
    format!("19{:09}", seed % 1_000_000_000)
}

impl TestApp {
    /// Serves the dev server's router (every function) on a free port.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// As [`TestApp::spawn`], with the configuration adjusted first (e.g. a dead endpoint).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let claim = Shared::take();
        let outbox = Outbox::new(emulator_endpoint());
        let clock = Arc::new(ManualClock::starting_now());
        let mut config = Config::from_env().expect("configuration");
        // The whole suite asks for codes from 127.0.0.1; the per-source limit has its own test.
        config.limits.codes_per_source.max = u32::MAX / 2;
        config.limits.codes_per_phone_per_source.max = u32::MAX / 2;
        // Every test on these emulators counts in the one service-wide SMS budget.
        config.limits.sms_per_hour.max = u32::MAX / 2;
        adjust(&mut config);
        let adapters = Adapters::from_config(config, clock.clone())
            .await
            .expect("adapters start");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let service = foof_devserver::router(&adapters).into_make_service_with_connect_info::<std::net::SocketAddr>();
        // The server holds the claim: it ends with the test's runtime, as the server does.
        tokio::spawn(async move {
            let _claim = claim;
            axum::serve(listener, service).await.unwrap()
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            base,
            http,
            clock,
            outbox,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::reply(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    /// GET returning the raw bytes and content type.
    pub async fn get_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, content_type, response.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        Self::reply(self.http.post(self.url(path)).json(&body).send().await.unwrap()).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        Self::reply(request.send().await.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_raw(path, "application/x-www-form-urlencoded", body).await
    }

    /// multipart/form-data: text fields, then file parts `(field name, file name, bytes)`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Reply {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, file_name, bytes) in files {
            form = form.part(
                name.to_owned(),
                Part::bytes(bytes)
                    .file_name(file_name.to_owned())
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        }
        Self::reply(self.http.post(self.url(path)).multipart(form).send().await.unwrap()).await
    }

    /// requirecode, then the code as the emulator received it by SMS.
    pub async fn request_code(&self, phone: &str) -> String {
        let before = self.outbox.sms_to(&e164(phone)).await.len();
        self.post("/user/requirecode", json!({"phonenumber": phone}))
            .await
            .assert_success();
        let messages = self.outbox.await_sms(&e164(phone), before + 1).await;
        assert_eq!(messages.len(), before + 1, "exactly one SMS per code request");
        foof_domain::codes::code_in_sms(messages.last().unwrap())
            .expect("the SMS carries a code")
            .to_owned()
    }

    /// A new account through requirecode → register → login, as the real client does it.
    pub async fn register(&self) -> TestUser {
        self.register_phone(&unique_phone()).await.0
    }

    /// As [`TestApp::register`], with this phone: the user, and the code its SMS carried.
    pub async fn register_phone(&self, phone: &str) -> (TestUser, String) {
        let code = self.request_code(phone).await;
        self.post(
            "/user/register",
            json!({"phonenumber": phone, "verifycode": code, "password": CLIENT_PASSWORD}),
        )
        .await
        .assert_success();
        (self.login(phone, CLIENT_PASSWORD).await, code)
    }

    pub async fn login(&self, phone: &str, password: &str) -> TestUser {
        let reply = self
            .post("/user/login", json!({"phonenumber": phone, "password": password}))
            .await;
        assert_eq!(reply.body["status"], "success", "login failed: {reply:?}");
        TestUser {
            phone: phone.to_owned(),
            password: password.to_owned(),
            uuid: reply.body["info"]["uuid"].as_i64().unwrap(),
            token: reply.body["token"].as_str().unwrap().to_owned(),
        }
    }

    /// `/item/add` of [`item_form`] with `changes`, as `user`: the new item's id.
    pub async fn add_item(&self, user: &TestUser, changes: Value) -> i64 {
        let reply = self.post("/item/add", item_form(&user.token, changes)).await;
        assert_eq!(reply.body["status"], "success", "{reply:?}");
        reply.body["data"]["itemid"].as_i64().unwrap()
    }

    /// `POST /user/me`: the stored profile.
    pub async fn me(&self, user: &TestUser) -> Value {
        let reply = self.post("/user/me", json!({"token": user.token})).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body
    }
}

/// The real client's sell form (every scalar a string, price a number) with `token`, and
/// `changes` (an object) written over its fields.
pub fn item_form(token: &str, changes: Value) -> Value {
    let mut form = json!({"token": token, "title": "九成新 小米充电宝", "type": "1", "price": 35.5,
                          "depreciatione": "90", "note": "T,九龙湖 自提", "sold": "1"});
    if let Value::Object(changes) = changes {
        form.as_object_mut().unwrap().extend(changes);
    }
    form
}

/// The E.164 form of a test phone (they are all 11-digit Chinese mobiles).
pub fn e164(phone: &str) -> String {
    foof_domain::phone::PhoneNumber::parse(phone).unwrap().e164().to_owned()
}

/// A local address where nothing listens: connections are refused at once.
pub async fn refusing_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

/// A local address that accepts connections and never answers: only timeouts end a call.
pub async fn silent_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{address}")
}
