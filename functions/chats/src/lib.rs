//! The chats group: `/user/chat/push`, `/user/chat/fetchnew`, `/user/chat/fetchall`.
//! Messages also carry the trade workflow (type 0 requests, -1/-2/-3 answers).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_shared::domain::message::{MAX_PAGE, Message, Page};
use foof_shared::http::{Authed, Fields, success};
use foof_shared::ports::{BackendError, Written};
use foof_shared::{ApiError, App};
use serde_json::{Value, json};
use thiserror::Error;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/user/chat/push", post(push))
        .route("/user/chat/fetchnew", post(fetch_new))
        .route("/user/chat/fetchall", post(fetch_all))
        .with_state(app)
}

#[derive(Debug, Error)]
pub enum ChatError {
    #[error("malformed or missing input")]
    InvalidRequest,
    #[error("the recipient does not exist")]
    NoSuchUser,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::InvalidRequest => ApiError::InvalidRequest,
            ChatError::NoSuchUser => ApiError::Failure("no such user"),
            ChatError::Backend(cause) => ApiError::Backend(cause),
        }
    }
}

/// Optional `after` (a message id, ≥ 0) and `limit` (1..=500).
fn page(fields: &Fields) -> Result<Page, ApiError> {
    let after = fields.integer("after")?;
    let limit = fields.integer("limit")?;
    if after.is_some_and(|a| a < 0) || limit.is_some_and(|l| l < 1 || l > MAX_PAGE as i64) {
        return Err(ApiError::InvalidRequest);
    }
    Ok(Page {
        after,
        limit: limit.map(|l| l as usize),
    })
}

fn messages_reply(messages: &[Message]) -> Json<Value> {
    Json(json!({"status": "success", "data": messages.iter().map(Message::json).collect::<Vec<_>>()}))
}

async fn send(app: &App, from: i64, to: i64, kind: i64, data: String) -> Result<(), ChatError> {
    let now = app.clock.now_ms();
    let draft = Message::new(0, from, to, kind, data, now).map_err(|_| ChatError::InvalidRequest)?;
    let message = Message {
        id: app.ids.next_id("chats").await?,
        ..draft
    };
    match app.messages.push(&message).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(ChatError::NoSuchUser),
    }
}

async fn push(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let fields = &request.fields;
    let (to, kind, data) = (
        fields.require_id("to")?,
        fields.require_integer("type")?,
        fields.require_text("data")?,
    );
    send(&app, request.uuid, to, kind, data).await?;
    Ok(success())
}

async fn fetch_new(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let messages = app
        .messages
        .claim_new(request.uuid, page(&request.fields)?, app.clock.now_ms())
        .await?;
    Ok(messages_reply(&messages))
}

async fn fetch_all(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let messages = app
        .messages
        .fetch_all(request.uuid, page(&request.fields)?, app.clock.now_ms())
        .await?;
    Ok(messages_reply(&messages))
}
