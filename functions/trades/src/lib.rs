//! The trades group: `/item/order`, `/item/trade`, `/item/reset`, `/user/want/delete`,
//! `/user/want/deleteall`. `router` is served by this crate's Lambda binary and the dev server.

mod error;
mod workflow;

pub use error::TradeError;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_shared::http::{Authed, success};
use foof_shared::{ApiError, App};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/item/order", post(order))
        .route("/item/trade", post(trade))
        .route("/item/reset", post(reset))
        .route("/user/want/delete", post(delete_message))
        .route("/user/want/deleteall", post(delete_requests))
        .with_state(app)
}

async fn order(State(app): State<App>, request: Authed) -> Reply {
    let (itemid, buyer) = (request.fields.require_id("itemid")?, request.fields.require_id("to")?);
    workflow::order(&app, request.uuid, itemid, buyer).await?;
    Ok(success())
}

async fn trade(State(app): State<App>, request: Authed) -> Reply {
    workflow::trade(&app, request.uuid, request.fields.require_id("itemid")?).await?;
    Ok(success())
}

async fn reset(State(app): State<App>, request: Authed) -> Reply {
    workflow::reset(&app, request.uuid, request.fields.require_id("itemid")?).await?;
    Ok(success())
}

async fn delete_message(State(app): State<App>, request: Authed) -> Reply {
    workflow::delete_message(&app, request.uuid, request.fields.require_id("id")?).await?;
    Ok(Json(json!({"status": "success", "info": 1})))
}

async fn delete_requests(State(app): State<App>, request: Authed) -> Reply {
    let deleted = workflow::delete_requests(&app, request.uuid, request.fields.require_id("itemid")?).await?;
    Ok(Json(json!({"status": "success", "info": deleted})))
}
