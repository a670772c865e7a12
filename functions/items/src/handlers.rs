//! Thin handlers: parse, call the domain, shape the reply.

use crate::{images, posts};
use axum::Json;
use axum::extract::{Path, State};
use foof_shared::http::{Authed, path_id, success, success_with};
use foof_shared::{ApiError, App};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;

pub async fn get_item(State(app): State<App>, Path(itemid): Path<String>) -> Reply {
    let Ok(itemid) = path_id(&itemid) else {
        return Ok(Json(json!({"status": "none"})));
    };
    Ok(match app.items.get(itemid).await? {
        Some(item) => success_with(item.json()),
        None => Json(json!({"status": "none"})),
    })
}

pub async fn add(State(app): State<App>, request: Authed) -> Reply {
    let fields = &request.fields;
    let details = posts::details_from(fields)?;
    let item = posts::add(&app, request.uuid, details, fields.require_integer("sold")?).await?;
    Ok(Json(json!({"status": "success", "data": item.json()})))
}

pub async fn modify(State(app): State<App>, request: Authed) -> Reply {
    let itemid = request.fields.require_id("itemid")?;
    let details = posts::details_from(&request.fields)?;
    posts::modify(&app, request.uuid, itemid, &details).await?;
    Ok(success())
}

pub async fn delete(State(app): State<App>, request: Authed) -> Reply {
    posts::delete(&app, request.uuid, request.fields.require_id("itemid")?).await?;
    Ok(success())
}

pub async fn upload_images(State(app): State<App>, request: Authed) -> Reply {
    let itemid = request.fields.require_id("itemid")?;
    let paths = images::replace_images(&app, request.uuid, itemid, request.fields.files()).await?;
    Ok(Json(json!({"status": "success", "imgurl": paths})))
}
