//! The favourites group: `/fav/query`, `/fav/add`, `/fav/delete`. `data` is a JSON array of
//! item ids sent as a string (`"[5]"`, as the client does) or as a JSON array.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_domain::ids::{FavoriteId, ItemId, UserId};
use foof_domain::ports::{Favorite, FavoriteStore};
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::{AppState, Authed, Fields, success};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

/// Ids accepted in one call: one BatchGetItem (100 keys) covers both the items and the
/// favourites it must read.
pub const MAX_IDS_PER_CALL: usize = 50;

type Reply = Result<Json<Value>, ApiError>;
type FavoritesState = State<AppState<Arc<dyn FavoriteStore>>>;

pub fn router(adapters: &Adapters) -> Router {
    Router::new()
        .route("/fav/query", post(query))
        .route("/fav/add", post(add))
        .route("/fav/delete", post(delete))
        .with_state(AppState::new(
            adapters.tokens(),
            adapters.sessions(),
            adapters.favorites(),
        ))
}

/// A favourite as the client reads it, keys in the wire's (alphabetical) order.
#[derive(Serialize)]
struct FavoriteView {
    id: FavoriteId,
    itemid: ItemId,
    uuid: UserId,
}

impl From<&Favorite> for FavoriteView {
    fn from(favorite: &Favorite) -> Self {
        Self {
            id: favorite.id,
            itemid: favorite.item,
            uuid: favorite.user,
        }
    }
}

/// The distinct ids of `data`, in the order given; numbers or numeric strings inside.
fn item_ids(fields: &Fields) -> Result<Vec<ItemId>, ApiError> {
    let list = match fields.raw("data") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|_| ApiError::InvalidRequest)?,
        Some(list @ Value::Array(_)) => list.clone(),
        _ => return Err(ApiError::InvalidRequest),
    };
    let Value::Array(entries) = list else {
        return Err(ApiError::InvalidRequest);
    };
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for entry in entries {
        let id: ItemId = Fields::from_json([("id".to_owned(), entry)].into_iter().collect()).require_id("id")?;
        if seen.insert(id) {
            ids.push(id);
        }
        // Refused as soon as it is too long, before the rest is even read.
        if ids.len() > MAX_IDS_PER_CALL {
            return Err(ApiError::InvalidRequest);
        }
    }
    Ok(ids)
}

async fn query(State(favorites): FavoritesState, request: Authed) -> Reply {
    let rows: Vec<FavoriteView> = favorites
        .list(request.user)
        .await?
        .iter()
        .map(FavoriteView::from)
        .collect();
    Ok(Json(json!({"status": "success", "res": rows})))
}

async fn add(State(favorites): FavoritesState, request: Authed) -> Reply {
    let ids = item_ids(&request.fields)?;
    if !ids.is_empty() {
        favorites.add(request.user, &ids).await?;
    }
    Ok(success())
}

async fn delete(State(favorites): FavoritesState, request: Authed) -> Reply {
    let ids = item_ids(&request.fields)?;
    if !ids.is_empty() {
        favorites.remove(request.user, &ids).await?;
    }
    Ok(success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(data: Value) -> Result<Vec<i64>, ApiError> {
        let ids = item_ids(&Fields::from_json([("data".to_owned(), data)].into_iter().collect()))?;
        Ok(ids.into_iter().map(ItemId::get).collect())
    }

    #[test]
    fn data_is_a_json_array_of_ids_as_text_or_as_json() {
        assert_eq!(ids(json!("[5]")).unwrap(), [5]);
        assert_eq!(ids(json!("[5, \"7\", 5]")).unwrap(), [5, 7]);
        assert_eq!(ids(json!([3, "4"])).unwrap(), [3, 4]);
        assert_eq!(ids(json!("[]")).unwrap(), Vec::<i64>::new());
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            json!("5"),
            json!("[0]"),
            json!("[-1]"),
            json!("[\"x\"]"),
            json!("{bad"),
            json!("[[1]]"),
            json!(5),
            json!(null),
        ] {
            assert!(ids(bad.clone()).is_err(), "{bad}");
        }
        let too_many: Vec<i64> = (1..=51).collect();
        assert!(ids(json!(serde_json::to_string(&too_many).unwrap())).is_err());
    }
}
