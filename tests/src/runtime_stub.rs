//! A minimal AWS Lambda Runtime API (the interface a function binary polls), so that the real
//! function binaries can be run and invoked here, as Lambda would.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

/// What the function answered to one event.
#[derive(Debug)]
pub enum Invocation {
    Response(Value),
    Error(Value),
}

impl Invocation {
    /// The API Gateway response, or a panic naming the function's error.
    #[track_caller]
    pub fn response(self) -> Value {
        match self {
            Invocation::Response(value) => value,
            Invocation::Error(error) => panic!("the function reported an error: {error}"),
        }
    }
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Option<mpsc::UnboundedReceiver<(String, Value)>>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Invocation>>>,
}

pub struct RuntimeApiStub {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    events: mpsc::UnboundedSender<(String, Value)>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
}

impl RuntimeApiStub {
    pub async fn start() -> Self {
        let (events, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: Mutex::new(Some(queue)),
            ..Shared::default()
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_event))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            address,
            events,
            shared,
            next_id: AtomicU64::new(1),
        }
    }

    /// Hands the event to the next `invocation/next` poll and waits for the function's answer.
    pub async fn invoke(&self, event: Value) -> Invocation {
        let id = format!("request-{}", self.next_id.fetch_add(1, Ordering::SeqCst));
        let (done, answer) = oneshot::channel();
        self.shared.waiting.lock().await.insert(id.clone(), done);
        self.events.send((id, event)).unwrap();
        tokio::time::timeout(Duration::from_secs(60), answer)
            .await
            .expect("the function answered within 60 s")
            .expect("the stub is alive")
    }
}

async fn next_event(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let mut guard = shared.queue.lock().await;
    let queue = guard.as_mut().expect("one poller at a time");
    let (id, event) = queue.recv().await.expect("the stub is alive");
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    (
        [
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:foof".to_owned(),
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000".to_owned(),
            ),
        ],
        event.to_string(),
    )
}

async fn finish(shared: &Shared, id: &str, invocation: Invocation) -> StatusCode {
    if let Some(waiter) = shared.waiting.lock().await.remove(id) {
        let _ = waiter.send(invocation);
    }
    StatusCode::ACCEPTED
}

async fn respond(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(
        &shared,
        &id,
        Invocation::Response(serde_json::from_slice(&body).unwrap_or(Value::Null)),
    )
    .await
}

async fn fail(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(
        &shared,
        &id,
        Invocation::Error(serde_json::from_slice(&body).unwrap_or(Value::Null)),
    )
    .await
}

async fn init_error(body: Bytes) -> StatusCode {
    panic!("the function failed to start: {}", String::from_utf8_lossy(&body));
}
