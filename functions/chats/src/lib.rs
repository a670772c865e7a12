//! The chats group: `/user/chat/push`, `/user/chat/fetchnew`, `/user/chat/fetchall`.
//! Messages also carry the trade workflow (type 0 requests, -1/-2/-3 answers).

mod error;
mod inbox;

pub use inbox::Chats;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_domain::ids::MessageId;
use foof_domain::message::{MAX_PAGE, Message, Page};
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::{AppState, Authed, Fields, success};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;
type ChatsState = State<AppState<Chats>>;

pub fn router(adapters: &Adapters) -> Router {
    let pushes = adapters.config().pushes;
    let chats = Chats::new(
        adapters.ids(),
        adapters.messages(),
        adapters.blocks(),
        adapters.limits(),
        pushes,
        adapters.clock(),
    );
    Router::new()
        .route("/user/chat/push", post(push))
        .route("/user/chat/fetchnew", post(fetch_new))
        .route("/user/chat/fetchall", post(fetch_all))
        .with_state(AppState::new(adapters.tokens(), adapters.sessions(), chats))
}

/// Optional `after` (a message id, ≥ 0) and `limit` (1..=500).
fn page(fields: &Fields) -> Result<Page, ApiError> {
    let after = fields.integer("after")?;
    let limit = fields.integer("limit")?;
    if after.is_some_and(|a| a < 0) || limit.is_some_and(|l| l < 1 || l > MAX_PAGE as i64) {
        return Err(ApiError::InvalidRequest);
    }
    Ok(Page {
        after: after.map(MessageId::new),
        limit: limit.map(|l| l as usize),
        ..Page::default()
    })
}

fn messages_reply(messages: &[Message]) -> Json<Value> {
    Json(json!({"status": "success", "data": messages.iter().map(Message::view).collect::<Vec<_>>()}))
}

async fn push(State(chats): ChatsState, request: Authed) -> Reply {
    let fields = &request.fields;
    let (to, kind, data) = (
        fields.require_id("to")?,
        fields.require_integer("type")?,
        fields.require_text("data")?,
    );
    chats.send(request.user, to, kind, data).await?;
    Ok(success())
}

async fn fetch_new(State(chats): ChatsState, request: Authed) -> Reply {
    let messages = chats.fetch_new(request.user, page(&request.fields)?).await?;
    Ok(messages_reply(&messages))
}

async fn fetch_all(State(chats): ChatsState, request: Authed) -> Reply {
    let messages = chats.fetch_all(request.user, page(&request.fields)?).await?;
    Ok(messages_reply(&messages))
}
