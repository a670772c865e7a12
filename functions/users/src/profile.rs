//! Profiles: reading, editing, and the avatar.

use crate::accounts::{checked_password, hash_off_thread};
use crate::error::UserError;
use foof_shared::app::Services;
use foof_shared::domain::user::{DEFAULT_AVATAR, ProfileChanges, User, limits, valid_idcard, valid_text};
use foof_shared::http::{Fields, FileField};
use foof_shared::images::sanitize;
use foof_shared::ports::Written;

pub async fn public_profile(app: &Services, uuid: i64) -> Result<User, UserError> {
    app.users.get(uuid).await?.ok_or(UserError::NoSuchUser)
}

/// The token's own user; a token whose user is gone is refused.
pub async fn own_profile(app: &Services, uuid: i64) -> Result<User, UserError> {
    app.users.get(uuid).await?.ok_or(UserError::Forbidden)
}

fn bounded(fields: &Fields, name: &str, max_chars: usize) -> Result<Option<String>, UserError> {
    let value = fields.text(name).map_err(|_| UserError::InvalidRequest)?;
    match value {
        Some(v) if !valid_text(&v, max_chars) => Err(UserError::InvalidRequest),
        other => Ok(other),
    }
}

/// The whitelisted changes of `/user/modify`: `avatarurl`, `uuid`, `score`, `verified` and
/// anything else in the body are ignored; an absent field stays as it is.
pub fn profile_changes(fields: &Fields) -> Result<(ProfileChanges, Option<String>), UserError> {
    let username = bounded(fields, "username", limits::USERNAME)?;
    if username.as_deref().is_some_and(|name| name.trim().is_empty()) {
        return Err(UserError::InvalidRequest);
    }
    let idcard = bounded(fields, "idcard", limits::IDCARD)?;
    if idcard.as_deref().is_some_and(|card| !valid_idcard(card)) {
        return Err(UserError::InvalidRequest);
    }
    let password = fields
        .text("password")
        .map_err(|_| UserError::InvalidRequest)?
        .filter(|p| !p.is_empty());
    if let Some(password) = &password {
        checked_password(password)?;
    }
    let changes = ProfileChanges {
        username,
        idcard,
        studentid: bounded(fields, "studentid", limits::STUDENTID)?,
        address: bounded(fields, "address", limits::ADDRESS)?,
        info: bounded(fields, "info", limits::INFO)?,
        password_hash: None,
    };
    Ok((changes, password))
}

pub async fn modify(app: &Services, uuid: i64, fields: &Fields) -> Result<(), UserError> {
    let (mut changes, new_password) = profile_changes(fields)?;
    if let Some(password) = new_password {
        changes.password_hash = Some(hash_off_thread(&password).await);
    }
    match app.users.update_profile(uuid, &changes).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(UserError::Forbidden),
    }
}

/// Stores exactly one image as `image/avatar/{uuid}.{ext}`, without its metadata, and points
/// the profile at it. The object is written before the profile, so the profile never names a
/// missing file.
pub async fn replace_avatar(app: &Services, uuid: i64, files: &[FileField]) -> Result<String, UserError> {
    let [file] = files else {
        return Err(UserError::InvalidRequest);
    };
    let image = sanitize(&file.bytes).map_err(|_| UserError::InvalidRequest)?;
    let path = format!("image/avatar/{uuid}.{}", image.kind.extension());
    app.objects
        .put(&path, image.bytes.into(), image.kind.content_type())
        .await?;
    let Some(previous) = app.users.replace_avatar(uuid, &path).await? else {
        app.objects.delete(&path).await?;
        return Err(UserError::Forbidden);
    };
    if previous != path
        && previous != DEFAULT_AVATAR
        && previous.starts_with("image/avatar/")
        && let Err(error) = app.objects.delete(&previous).await
    {
        tracing::warn!(%error, "old avatar left in the bucket");
    }
    Ok(path)
}
