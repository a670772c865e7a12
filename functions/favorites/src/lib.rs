//! The favourites group: `/fav/query`, `/fav/add`, `/fav/delete`. `data` is a JSON array of
//! item ids sent as a string (`"[5]"`, as the client does) or as a JSON array.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use foof_shared::http::{Authed, Fields, success};
use foof_shared::{ApiError, App};
use serde_json::{Value, json};

/// Ids accepted in one call: one BatchGetItem (100 keys) covers both the items and the
/// favourites it must read.
pub const MAX_IDS_PER_CALL: usize = 50;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/fav/query", post(query))
        .route("/fav/add", post(add))
        .route("/fav/delete", post(delete))
        .with_state(app)
}

/// The distinct ids of `data`, in the order given; numbers or numeric strings inside.
fn item_ids(fields: &Fields) -> Result<Vec<i64>, ApiError> {
    let list = match fields.raw("data") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|_| ApiError::InvalidRequest)?,
        Some(list @ Value::Array(_)) => list.clone(),
        _ => return Err(ApiError::InvalidRequest),
    };
    let Value::Array(entries) = list else {
        return Err(ApiError::InvalidRequest);
    };
    let mut ids = Vec::with_capacity(entries.len());
    for entry in entries {
        let id = Fields::from_json([("id".to_owned(), entry)].into_iter().collect()).require_id("id")?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_IDS_PER_CALL {
        return Err(ApiError::InvalidRequest);
    }
    Ok(ids)
}

async fn query(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let favorites = app.favorites.list(request.uuid).await?;
    let rows: Vec<Value> = favorites
        .iter()
        .map(|f| json!({"id": f.id, "itemid": f.itemid, "uuid": f.uuid}))
        .collect();
    Ok(Json(json!({"status": "success", "res": rows})))
}

async fn add(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let ids = item_ids(&request.fields)?;
    if !ids.is_empty() {
        app.favorites.add(request.uuid, &ids).await?;
    }
    Ok(success())
}

async fn delete(State(app): State<App>, request: Authed) -> Result<Json<Value>, ApiError> {
    let ids = item_ids(&request.fields)?;
    if !ids.is_empty() {
        app.favorites.remove(request.uuid, &ids).await?;
    }
    Ok(success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(data: Value) -> Result<Vec<i64>, ApiError> {
        item_ids(&Fields::from_json([("data".to_owned(), data)].into_iter().collect()))
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
