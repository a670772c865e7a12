//! Thin handlers: parse, call the use case, shape the reply.

use crate::error::UserError;
use crate::{UsersState, forms, mail_page};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use foof_domain::item::Item;
use foof_shared::ApiError;
use foof_shared::http::{Authed, ClientAddress, Fields, PathText, PublicBaseUrl, path_id, success, success_with};
use serde_json::{Value, json};

type Reply = Result<Json<Value>, ApiError>;
type Users = State<UsersState>;

pub async fn public_profile(State(users): Users, PathText(uuid): PathText) -> Reply {
    let user = users.profiles.public_profile(path_id(&uuid)?).await?;
    Ok(success_with(user.public_view()))
}

pub async fn me(State(users): Users, request: Authed) -> Reply {
    let user = users.profiles.own_profile(request.user).await?;
    Ok(success_with(user.protected_view()))
}

pub async fn login(State(users): Users, ClientAddress(source): ClientAddress, fields: Fields) -> Reply {
    let (phone, password) = (fields.require_text("phonenumber")?, fields.require_text("password")?);
    let (user, token) = users.accounts.login(&forms::phone(&phone)?, &password, &source).await?;
    Ok(Json(
        json!({"status": "success", "info": user.protected_view(), "token": token}),
    ))
}

pub async fn register(State(users): Users, fields: Fields) -> Reply {
    let (phone, code, password) = (
        fields.require_text("phonenumber")?,
        fields.require_text("verifycode")?,
        fields.require_text("password")?,
    );
    let phone = forms::phone(&phone)?;
    users.accounts.register(&phone, &code, &password).await?;
    Ok(success())
}

pub async fn reset(State(users): Users, fields: Fields) -> Reply {
    let (phone, code, password) = (
        fields.require_text("phonenumber")?,
        fields.require_text("verifycode")?,
        fields.require_text("password")?,
    );
    let phone = forms::phone(&phone)?;
    let user = users.accounts.reset_password(&phone, &code, &password).await?;
    users.sessions.forget(user);
    Ok(success())
}

pub async fn require_code(State(users): Users, ClientAddress(source): ClientAddress, fields: Fields) -> Reply {
    let phone = forms::phone(&fields.require_text("phonenumber")?)?;
    users.accounts.request_code(&phone, &source).await?;
    Ok(success())
}

pub async fn avatar(State(users): Users, request: Authed) -> Reply {
    let uploads: Vec<&[u8]> = request.fields.files().iter().map(|file| file.bytes.as_ref()).collect();
    users.profiles.replace_avatar(request.user, &uploads).await?;
    Ok(success())
}

pub async fn modify(State(users): Users, request: Authed) -> Reply {
    let (changes, new_password) = forms::profile_changes(&request.fields)?;
    let ends_other_logins = new_password.is_some();
    if ends_other_logins {
        let old_password = forms::old_password(&request.fields)?;
        users
            .accounts
            .authorize_password_change(request.user, request.logged_in_at_ms, old_password.as_deref())
            .await?;
    }
    users
        .profiles
        .modify(request.user, request.login, changes, new_password)
        .await?;
    if ends_other_logins {
        users.sessions.forget(request.user);
    }
    Ok(success())
}

pub async fn send_mail_verification(State(users): Users, base_url: PublicBaseUrl, request: Authed) -> Reply {
    let idcard = request.fields.text("idcard")?;
    users.mail.send(request.user, idcard, &base_url.0).await?;
    Ok(success())
}

/// Opening the mailed link shows a page and changes nothing; its button POSTs to
/// [`confirm_mail`].
pub async fn mail_page(PathText(_token): PathText) -> Response {
    mail_page::confirmation_page()
}

/// The page's button: confirms the idcard the link names. JSON for API clients, a page for a
/// browser.
pub async fn confirm_mail(
    State(users): Users,
    headers: HeaderMap,
    PathText(token): PathText,
    // Read, within the body limit, though unused: a reply sent before the body is read would
    // reset a client still sending it.
    _body: Fields,
) -> Response {
    let outcome = users.mail.confirm(&token).await;
    if mail_page::wants_a_page(&headers) && !matches!(outcome, Err(UserError::Backend(_))) {
        return mail_page::outcome_page(outcome.is_ok());
    }
    match outcome {
        Ok(()) => success().into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// A user's items that are not deleted, in id order, as a bare array.
pub async fn published(State(users): Users, fields: Fields) -> Reply {
    let items = users.profiles.published(fields.require_id("uuid")?).await?;
    Ok(items_reply(&items))
}

/// Items reserved for or sold to me, as a bare array.
pub async fn finished(State(users): Users, request: Authed) -> Reply {
    let items = users.profiles.finished(request.user).await?;
    Ok(items_reply(&items))
}

fn items_reply(items: &[Item]) -> Json<Value> {
    Json(json!(items.iter().map(Item::view).collect::<Vec<_>>()))
}
