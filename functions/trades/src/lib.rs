//! The trades group: `/item/order`, `/item/trade`, `/item/reset`, `/user/want/delete`,
//! `/user/want/deleteall`. `router` is served by this crate's Lambda binary and the dev server.

mod error;
mod workflow;

pub use workflow::{TradePorts, Trades};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_domain::rating::Stars;
use foof_domain::safety::Note;
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::{AppState, Authed, success};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;
type TradesState = State<AppState<Trades>>;

pub fn router(adapters: &Adapters) -> Router {
    let trades = Trades::new(TradePorts {
        items: adapters.items(),
        messages: adapters.messages(),
        blocks: adapters.blocks(),
        ratings: adapters.ratings(),
        clock: adapters.clock(),
    });
    Router::new()
        .route("/item/order", post(order))
        .route("/item/trade", post(trade))
        .route("/item/reset", post(reset))
        .route("/item/rate", post(rate))
        .route("/user/want/delete", post(delete_message))
        .route("/user/want/deleteall", post(delete_requests))
        .with_state(AppState::new(adapters.tokens(), adapters.sessions(), trades))
}

async fn order(State(trades): TradesState, request: Authed) -> Reply {
    let (item, buyer) = (request.fields.require_id("itemid")?, request.fields.require_id("to")?);
    trades.order(request.user, item, buyer).await?;
    Ok(success())
}

async fn trade(State(trades): TradesState, request: Authed) -> Reply {
    trades.trade(request.user, request.fields.require_id("itemid")?).await?;
    Ok(success())
}

async fn reset(State(trades): TradesState, request: Authed) -> Reply {
    trades.reset(request.user, request.fields.require_id("itemid")?).await?;
    Ok(success())
}

async fn rate(State(trades): TradesState, request: Authed) -> Reply {
    let fields = &request.fields;
    let item = fields.require_id("itemid")?;
    let stars = Stars::new(fields.require_integer("stars")?).ok_or(ApiError::InvalidRequest)?;
    let comment = Note::parse(&fields.text("comment")?.unwrap_or_default()).map_err(|_| ApiError::InvalidRequest)?;
    trades.rate(request.user, item, stars, comment).await?;
    Ok(success())
}

async fn delete_message(State(trades): TradesState, request: Authed) -> Reply {
    trades
        .delete_message(request.user, request.fields.require_id("id")?)
        .await?;
    Ok(Json(json!({"status": "success", "info": 1})))
}

async fn delete_requests(State(trades): TradesState, request: Authed) -> Reply {
    let deleted = trades
        .delete_requests(request.user, request.fields.require_id("itemid")?)
        .await?;
    Ok(Json(json!({"status": "success", "info": deleted})))
}
