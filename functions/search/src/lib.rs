//! The search group: `POST /item/search` answers from the inverted index in DynamoDB with the
//! Elasticsearch-shaped envelope the client reads, and `GET /recommend/{uuid}` samples live items.

mod engine;
mod recommend;
mod reply;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use engine::Search;
use foof_domain::search::{Corpus, MAX_HITS};
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::{AppState, MaybeAuthed, PathText, bearer_user, path_id};
use reply::Envelope;
use serde_json::{Value, json};
use std::time::Instant;

/// Hits returned when the request names no `size` (the real client never does), and the most
/// it may name (read in two BatchGetItems). The original asked
/// Elasticsearch for 4000, which here would let an anonymous caller cost 40 reads a query.
pub const DEFAULT_SIZE: i64 = 100;
pub const MAX_SIZE: i64 = MAX_HITS as i64;

type SearchState = State<AppState<Search>>;

pub fn router(adapters: &Adapters) -> Router {
    let use_cases = Search::new(
        adapters.search_index(),
        adapters.items(),
        adapters.users(),
        adapters.ids(),
        adapters.blocks(),
    );
    Router::new()
        .route("/item/search", post(search))
        .route("/item/search/", post(search))
        .route("/recommend/{uuid}", get(recommend))
        .with_state(AppState::new(adapters.tokens(), adapters.sessions(), use_cases))
}

/// Anyone may search; a searcher who sends a login token is not shown the listings of the
/// users they block.
async fn search(State(search): SearchState, request: MaybeAuthed) -> Result<Json<Envelope>, ApiError> {
    let (started, fields) = (Instant::now(), &request.fields);
    let corpus = match fields.text("method")?.as_deref() {
        Some("good") => Corpus::Goods,
        Some("user") => Corpus::Users,
        _ => return Err(ApiError::InvalidRequest),
    };
    let query = fields.text("query")?.unwrap_or_default();
    let size = fields.integer("size")?.unwrap_or(DEFAULT_SIZE);
    if !(0..=MAX_SIZE).contains(&size) {
        return Err(ApiError::InvalidRequest);
    }
    let found = search.search(corpus, &query, size as usize, request.user).await?;
    Ok(Json(Envelope::new(corpus, found, started.elapsed().as_millis() as u64)))
}

/// Recommendations leave out the owners `uuid` blocks only when `uuid` asks with a login token
/// of theirs: to anyone else they would tell whom `uuid` blocks.
async fn recommend(
    State(search): SearchState,
    headers: HeaderMap,
    PathText(uuid): PathText,
) -> Result<Json<Value>, ApiError> {
    let user = path_id(&uuid)?;
    let asked_by_user = bearer_user(&headers, &search.tokens) == Some(user);
    Ok(Json(json!(search.recommend_for(user, asked_by_user).await?)))
}
