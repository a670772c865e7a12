//! What the users group reads from a request, checked into domain values.

use crate::accounts::checked_password;
use foof_domain::phone::PhoneNumber;
use foof_domain::user::{ProfileChanges, limits, valid_idcard, valid_text};
use foof_shared::ApiError;
use foof_shared::http::Fields;

pub fn phone(raw: &str) -> Result<PhoneNumber, ApiError> {
    PhoneNumber::parse(raw).map_err(|_| ApiError::InvalidRequest)
}

fn bounded(fields: &Fields, name: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
    match fields.text(name)? {
        Some(value) if !valid_text(&value, max_chars) => Err(ApiError::InvalidRequest),
        other => Ok(other),
    }
}

/// The whitelisted changes of `/user/modify` and the new password, if any: `avatarurl`,
/// `uuid`, `score`, `verified` and anything else in the body are ignored; an absent field
/// stays as it is.
pub fn profile_changes(fields: &Fields) -> Result<(ProfileChanges, Option<String>), ApiError> {
    let username = bounded(fields, "username", limits::USERNAME)?;
    if username.as_deref().is_some_and(|name| name.trim().is_empty()) {
        return Err(ApiError::InvalidRequest);
    }
    let idcard = bounded(fields, "idcard", limits::IDCARD)?;
    if idcard.as_deref().is_some_and(|card| !valid_idcard(card)) {
        return Err(ApiError::InvalidRequest);
    }
    let password = fields.text("password")?.filter(|p| !p.is_empty());
    if let Some(password) = &password {
        checked_password(password).map_err(|_| ApiError::InvalidRequest)?;
    }
    let changes = ProfileChanges {
        username,
        idcard,
        studentid: bounded(fields, "studentid", limits::STUDENTID)?,
        address: bounded(fields, "address", limits::ADDRESS)?,
        info: bounded(fields, "info", limits::INFO)?,
        password_hash: None,
        keep_login: None,
    };
    Ok((changes, password))
}

/// `oldpassword`, the SHA-1 hex of the password being replaced, when the client sends one.
pub fn old_password(fields: &Fields) -> Result<Option<String>, ApiError> {
    match fields.text("oldpassword")?.filter(|p| !p.is_empty()) {
        Some(password) => Ok(Some(
            checked_password(&password)
                .map_err(|_| ApiError::InvalidRequest)?
                .to_owned(),
        )),
        None => Ok(None),
    }
}
