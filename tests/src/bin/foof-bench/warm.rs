//! Warm requests through the release dev server (its own process, so its CPU time is ours
//! alone), and AWS calls per request counted in-process by the SDK interceptor.

use crate::search_shapes::ShapeRow;
use foof_aws::aws_calls;
use foof_domain::search::query_terms;
use foof_tests::{Outbox, TestApp, TestUser};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SEARCH_QUERY: &str = "小米充电宝";

pub struct Warm {
    pub endpoint: &'static str,
    pub requests: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub cpu_ms_per_request: f64,
    pub aws_calls: f64,
    pub documented_calls: usize,
}

#[derive(Clone, Copy)]
enum Endpoint {
    Login,
    GetItem,
    AddItem,
    FetchNew,
    Search,
}

impl Endpoint {
    const ALL: [(Endpoint, &'static str, usize); 5] = [
        (Endpoint::Login, "POST /user/login", 60),
        (Endpoint::GetItem, "GET /item/{itemid}", 1500),
        (Endpoint::AddItem, "POST /item/add", 1500),
        (Endpoint::FetchNew, "POST /user/chat/fetchnew", 1500),
        (Endpoint::Search, "POST /item/search", 1000),
    ];

    fn documented_calls(self) -> usize {
        match self {
            Endpoint::Login => 7,
            Endpoint::AddItem => 1,
            Endpoint::GetItem | Endpoint::FetchNew => 1,
            Endpoint::Search => query_terms(SEARCH_QUERY).len() + 2,
        }
    }

    async fn call(self, app: &TestApp, user: &TestUser, itemid: i64) -> Value {
        let reply = match self {
            Endpoint::Login => {
                app.post(
                    "/user/login",
                    json!({"phonenumber": user.phone, "password": user.password}),
                )
                .await
            }
            Endpoint::GetItem => app.get(&format!("/item/{itemid}")).await,
            Endpoint::AddItem => {
                let item = json!({"token": user.token, "title": "九成新 小米充电宝 20000mAh", "type": 1, "price": 59.9, "depreciatione": 90, "note": "T,九龙湖 可小刀", "sold": 1});
                app.post("/item/add", item).await
            }
            Endpoint::FetchNew => app.post("/user/chat/fetchnew", json!({"token": user.token})).await,
            Endpoint::Search => {
                app.post("/item/search", json!({"method": "good", "query": SEARCH_QUERY}))
                    .await
            }
        };
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body
    }
}

async fn seed(app: &TestApp) -> (TestUser, i64) {
    let user = app.register().await;
    let itemid = Endpoint::AddItem.call(app, &user, 0).await["data"]["itemid"]
        .as_i64()
        .unwrap();
    (user, itemid)
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of /proc/pid/stat; 12 and 13 after the name.
    fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn ticks_per_second() -> f64 {
    let out = std::process::Command::new("getconf").arg("CLK_TCK").output().ok();
    out.and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The CPU time (user + system) another process has used.
pub struct ProcessCpu {
    pid: u32,
    ticks_per_second: f64,
}

impl ProcessCpu {
    pub fn of(pid: u32) -> Self {
        Self {
            pid,
            ticks_per_second: ticks_per_second(),
        }
    }

    /// Milliseconds of CPU the process has used so far.
    pub fn used_ms(&self) -> f64 {
        cpu_ticks(self.pid) as f64 * 1000.0 / self.ticks_per_second
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Starts the release dev server on a free port with `env` added to its environment.
pub async fn start_server(binary: &Path, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new(binary)
        .envs(env.iter().copied())
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .env("CODE_REQUESTS_PER_SOURCE_PER_HOUR", "1000000")
        .env("SMS_PER_HOUR", "1000000")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the release dev server starts");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/user/1")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the dev server did not answer on {base}");
}

/// The warm table, and search's CPU by query shape on the same server and corpus.
pub async fn measure(devserver: &Path) -> (Vec<Warm>, Vec<ShapeRow>) {
    let (mut server, base) = start_server(devserver, &[]).await;
    let pid = server.id().unwrap();
    let remote = TestApp {
        base,
        http: reqwest::Client::new(),
        clock: Arc::new(foof_domain::clock::ManualClock::starting_now()),
        outbox: Outbox::new(foof_tests::emulator_endpoint()),
    };
    let local = TestApp::spawn().await;
    let (remote_user, remote_item) = seed(&remote).await;
    let (local_user, local_item) = seed(&local).await;
    let cpu = ProcessCpu::of(pid);
    let mut rows = Vec::new();
    for (endpoint, name, requests) in Endpoint::ALL {
        let mut latencies = Vec::with_capacity(requests);
        let cpu_before = cpu.used_ms();
        for _ in 0..requests {
            let started = Instant::now();
            endpoint.call(&remote, &remote_user, remote_item).await;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let cpu_ms = (cpu.used_ms() - cpu_before) / requests as f64;
        latencies.sort_by(f64::total_cmp);
        const COUNTED: u64 = 20;
        // Warm means warm: the first request of a container may take slower paths (an add
        // reserves its id with an extra call until the container has seen the counter).
        endpoint.call(&local, &local_user, local_item).await;
        let calls_before = aws_calls();
        for _ in 0..COUNTED {
            endpoint.call(&local, &local_user, local_item).await;
        }
        let aws = (aws_calls() - calls_before) as f64 / COUNTED as f64;
        rows.push(Warm {
            endpoint: name,
            requests,
            p50_ms: percentile(&latencies, 0.5),
            p99_ms: percentile(&latencies, 0.99),
            cpu_ms_per_request: cpu_ms,
            aws_calls: aws,
            documented_calls: endpoint.documented_calls(),
        });
    }
    let shapes = crate::search_shapes::measure(&remote, &cpu, &local).await;
    server.kill().await.ok();
    (rows, shapes)
}
