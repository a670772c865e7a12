//! A release function binary kept running under the Lambda Runtime API stub, invoked with API
//! Gateway HTTP events as Lambda would: its CPU from /proc is that function's alone.

use crate::warm::ProcessCpu;
use foof_tests::RuntimeApiStub;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;

pub struct Function {
    child: tokio::process::Child,
    runtime: RuntimeApiStub,
    pub cpu: ProcessCpu,
}

/// An HTTP API (payload 2.0) event for `method path`, with a JSON body if there is one.
pub fn event(method: &str, path: &str, body: Option<&Value>) -> Value {
    let mut event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "bench"},
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "bench", "domainPrefix": "bench",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": "bench", "routeKey": "$default", "stage": "$default", "time": "25/Nov/2026:09:00:00 +0000", "timeEpoch": 0},
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["headers"]["content-type"] = json!("application/json");
        event["body"] = json!(body.to_string());
    }
    event
}

impl Function {
    /// Starts `binary` (e.g. target/release/items) with `env` added to its environment.
    pub async fn start(binary: &Path, env: &[(&str, &str)]) -> Self {
        assert!(
            binary.exists(),
            "{} is missing: run `cargo build --release --bins` first",
            binary.display()
        );
        let runtime = RuntimeApiStub::start().await;
        let name = binary.file_name().unwrap().to_string_lossy().into_owned();
        let child = tokio::process::Command::new(binary)
            .envs(env.iter().copied())
            .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the function starts");
        let cpu = ProcessCpu::of(child.id().unwrap());
        Self { child, runtime, cpu }
    }

    /// `POST path` with a JSON body: the reply's body as JSON, after checking it is a 200.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let reply = self.runtime.invoke(event("POST", path, Some(&body))).await.response();
        assert_eq!(reply["statusCode"], 200, "{path}: {reply}");
        let text = reply["body"].as_str().unwrap_or_default();
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    pub async fn stop(mut self) {
        self.child.kill().await.ok();
    }
}
