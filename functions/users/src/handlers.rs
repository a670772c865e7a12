//! Thin handlers: parse, call the domain, shape the reply.

use crate::{accounts, mail, profile};
use axum::Json;
use axum::extract::{Path, State};
use foof_shared::http::{Authed, ClientAddress, Fields, PublicBaseUrl, path_id, success, success_with};
use foof_shared::{ApiError, App};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;

pub async fn public_profile(State(app): State<App>, Path(uuid): Path<String>) -> Reply {
    let user = profile::public_profile(&app, path_id(&uuid)?).await?;
    Ok(success_with(user.public_json()))
}

pub async fn me(State(app): State<App>, request: Authed) -> Reply {
    let user = profile::own_profile(&app, request.uuid).await?;
    Ok(success_with(user.protected_json()))
}

pub async fn login(State(app): State<App>, fields: Fields) -> Reply {
    let (user, token) = accounts::login(
        &app,
        &fields.require_text("phonenumber")?,
        &fields.require_text("password")?,
    )
    .await?;
    Ok(Json(
        json!({"status": "success", "info": user.protected_json(), "token": token}),
    ))
}

pub async fn register(State(app): State<App>, fields: Fields) -> Reply {
    let (phone, code, password) = (
        fields.require_text("phonenumber")?,
        fields.require_text("verifycode")?,
        fields.require_text("password")?,
    );
    accounts::register(&app, &phone, &code, &password).await?;
    Ok(success())
}

pub async fn reset(State(app): State<App>, fields: Fields) -> Reply {
    let (phone, code, password) = (
        fields.require_text("phonenumber")?,
        fields.require_text("verifycode")?,
        fields.require_text("password")?,
    );
    accounts::reset_password(&app, &phone, &code, &password).await?;
    Ok(success())
}

pub async fn require_code(State(app): State<App>, ClientAddress(source): ClientAddress, fields: Fields) -> Reply {
    accounts::request_code(&app, &fields.require_text("phonenumber")?, &source).await?;
    Ok(success())
}

pub async fn avatar(State(app): State<App>, request: Authed) -> Reply {
    profile::replace_avatar(&app, request.uuid, request.fields.files()).await?;
    Ok(success())
}

pub async fn modify(State(app): State<App>, request: Authed) -> Reply {
    profile::modify(&app, request.uuid, &request.fields).await?;
    Ok(success())
}

pub async fn send_mail_verification(State(app): State<App>, base_url: PublicBaseUrl, request: Authed) -> Reply {
    mail::send_verification(&app, request.uuid, request.fields.text("idcard")?, &base_url.0).await?;
    Ok(success())
}

pub async fn confirm_mail(State(app): State<App>, Path(token): Path<String>) -> Reply {
    mail::confirm(&app, &token).await?;
    Ok(success())
}

/// A user's items that are not deleted, in id order, as a bare array.
pub async fn published(State(app): State<App>, fields: Fields) -> Reply {
    let items = app.items.published_by(fields.require_id("uuid")?).await?;
    Ok(Json(items.iter().map(|item| item.json()).collect()))
}

/// Items reserved for or sold to me, as a bare array.
pub async fn finished(State(app): State<App>, request: Authed) -> Reply {
    let items = app.items.bought_by(request.uuid).await?;
    Ok(Json(items.iter().map(|item| item.json()).collect()))
}
