//! Thin handlers: parse, call the use case, shape the reply.

use crate::ItemsState;
use axum::Json;
use axum::extract::State;
use foof_domain::item::ItemDetails;
use foof_shared::ApiError;
use foof_shared::http::{Authed, Fields, PathText, path_id, success, success_with};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;

/// The details in a request; absent fields are `None`. Numbers may be numeric strings.
fn details_from(fields: &Fields) -> Result<ItemDetails, ApiError> {
    Ok(ItemDetails {
        title: fields.text("title")?,
        category: fields.integer("type")?,
        price: fields.decimal("price")?,
        condition: fields.integer("depreciatione")?,
        note: fields.text("note")?,
    })
}

pub async fn get_item(State(state): State<ItemsState>, PathText(item): PathText) -> Reply {
    let Ok(item) = path_id(&item) else {
        return Ok(Json(json!({"status": "none"})));
    };
    Ok(match state.posts.get(item).await? {
        Some(item) => success_with(item.view()),
        None => Json(json!({"status": "none"})),
    })
}

pub async fn add(State(state): State<ItemsState>, request: Authed) -> Reply {
    let fields = &request.fields;
    let details = details_from(fields)?;
    let item = state
        .posts
        .add(request.user, details, fields.require_integer("sold")?)
        .await?;
    Ok(Json(json!({"status": "success", "data": item.view()})))
}

pub async fn modify(State(state): State<ItemsState>, request: Authed) -> Reply {
    let item = request.fields.require_id("itemid")?;
    let details = details_from(&request.fields)?;
    state.posts.modify(request.user, item, &details).await?;
    Ok(success())
}

pub async fn delete(State(state): State<ItemsState>, request: Authed) -> Reply {
    state
        .posts
        .delete(request.user, request.fields.require_id("itemid")?)
        .await?;
    Ok(success())
}

pub async fn renew(State(state): State<ItemsState>, request: Authed) -> Reply {
    state
        .posts
        .renew(request.user, request.fields.require_id("itemid")?)
        .await?;
    Ok(success())
}

pub async fn upload_images(State(state): State<ItemsState>, request: Authed) -> Reply {
    let item = request.fields.require_id("itemid")?;
    let uploads: Vec<&[u8]> = request.fields.files().iter().map(|file| file.bytes.as_ref()).collect();
    let paths = state.images.replace(request.user, item, &uploads).await?;
    Ok(Json(json!({"status": "success", "imgurl": paths})))
}
