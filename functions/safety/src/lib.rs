//! The safety group: reports, blocks and the moderation queue (docs/api.md, "Trust and
//! safety"). `router` is served by this crate's Lambda binary and the dev server.

mod blocking;
mod error;
mod moderation;
mod reporting;
mod use_cases;

pub use use_cases::{Safety, SafetyLimits, SafetyPorts};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_domain::ids::ReportId;
use foof_domain::item::Item;
use foof_domain::safety::{
    Action, Block, DEFAULT_QUEUE_PAGE, MAX_QUEUE_PAGE, Note, Reason, Report, Target, TargetKind,
};
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::{AppState, Authed, Fields, success};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;
type SafetyState = State<AppState<Safety>>;

pub fn router(adapters: &Adapters) -> Router {
    let ports = SafetyPorts {
        users: adapters.users(),
        items: adapters.items(),
        messages: adapters.messages(),
        blocks: adapters.blocks(),
        reports: adapters.reports(),
        limits: adapters.limits(),
        clock: adapters.clock(),
    };
    let config = adapters.config();
    let limits = SafetyLimits {
        reports_to_hide: config.reports_to_hide,
        max_blocks: config.max_blocks,
        reports_per_day: config.reports_per_day,
    };
    let safety = Safety::new(ports, limits);
    Router::new()
        .route("/safety/report", post(report))
        .route("/safety/block", post(block))
        .route("/safety/unblock", post(unblock))
        .route("/safety/blocks", post(blocks))
        .route("/safety/hidden", post(hidden))
        .route("/safety/queue", post(queue))
        .route("/safety/resolve", post(resolve))
        .with_state(AppState::new(adapters.tokens(), adapters.sessions(), safety))
}

/// An optional free text: absent and blank are the same, empty note.
fn note(fields: &Fields, name: &str) -> Result<Note, ApiError> {
    let text = fields.text(name)?.unwrap_or_default();
    Note::parse(&text).map_err(|_| ApiError::InvalidRequest)
}

async fn report(State(safety): SafetyState, request: Authed) -> Reply {
    let fields = &request.fields;
    let kind = TargetKind::parse(&fields.require_text("kind")?).ok_or(ApiError::InvalidRequest)?;
    let target = Target {
        kind,
        id: fields.require_id::<i64>("target")?,
    };
    let reason = Reason::parse(&fields.require_text("reason")?).ok_or(ApiError::InvalidRequest)?;
    let id = safety
        .report(request.user, target, reason, note(fields, "note")?)
        .await?;
    Ok(Json(json!({"status": "success", "data": {"id": id}})))
}

async fn block(State(safety): SafetyState, request: Authed) -> Reply {
    safety.block(request.user, request.fields.require_id("uuid")?).await?;
    Ok(success())
}

async fn unblock(State(safety): SafetyState, request: Authed) -> Reply {
    safety.unblock(request.user, request.fields.require_id("uuid")?).await?;
    Ok(success())
}

async fn blocks(State(safety): SafetyState, request: Authed) -> Reply {
    let blocks = safety.blocked_by(request.user).await?;
    Ok(Json(
        json!({"status": "success", "data": blocks.iter().map(Block::view).collect::<Vec<_>>()}),
    ))
}

async fn hidden(State(safety): SafetyState, request: Authed) -> Reply {
    let items = safety.hidden_of(request.user).await?;
    Ok(Json(
        json!({"status": "success", "data": items.iter().map(Item::owner_view).collect::<Vec<_>>()}),
    ))
}

async fn queue(State(safety): SafetyState, request: Authed) -> Reply {
    let fields = &request.fields;
    let (after, limit) = (fields.integer("after")?, fields.integer("limit")?);
    if after.is_some_and(|a| a < 0) || limit.is_some_and(|l| l < 1 || l > MAX_QUEUE_PAGE as i64) {
        return Err(ApiError::InvalidRequest);
    }
    let limit = limit.map_or(DEFAULT_QUEUE_PAGE, |l| l as usize);
    let reports = safety.queue(request.user, after.map(ReportId::new), limit).await?;
    Ok(Json(
        json!({"status": "success", "data": reports.iter().map(Report::view).collect::<Vec<_>>()}),
    ))
}

async fn resolve(State(safety): SafetyState, request: Authed) -> Reply {
    let fields = &request.fields;
    let id: ReportId = fields.require_id("id")?;
    let action =
        Action::parse(&fields.require_text("action")?, fields.integer("days")?).ok_or(ApiError::InvalidRequest)?;
    let why = note(fields, "why")?;
    if why.is_empty() {
        return Err(ApiError::InvalidRequest);
    }
    let report = safety.resolve(request.user, id, action, why).await?;
    if matches!(action, Action::Suspend { .. }) {
        // Its tokens end in this container at once; elsewhere within the session recheck.
        safety.sessions.forget(report.subject);
    }
    Ok(success())
}
