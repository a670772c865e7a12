//! Accounts: verification codes, registration, login and password reset.

use crate::error::UserError;
use foof_shared::app::Services;
use foof_shared::domain::codes::{code_digest, generate_code, sms_text};
use foof_shared::domain::password::{MAX_PASSWORD_LEN, hash_password, verify_password};
use foof_shared::domain::phone::PhoneNumber;
use foof_shared::domain::user::{ProfileChanges, User};
use foof_shared::ports::{CodeCheck, CodeIssue, Written};

pub fn parse_phone(raw: &str) -> Result<PhoneNumber, UserError> {
    PhoneNumber::parse(raw).map_err(|_| UserError::InvalidRequest)
}

/// The password string as the client sends it (the SHA-1 hex of what was typed).
pub fn checked_password(password: &str) -> Result<&str, UserError> {
    if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
        return Err(UserError::InvalidRequest);
    }
    Ok(password)
}

/// Argon2 is deliberately slow: keep it off the async workers.
pub async fn hash_off_thread(password: &str) -> String {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .expect("hashing does not panic")
}

async fn verify_off_thread(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .expect("verifying does not panic")
}

pub async fn request_code(app: &Services, phone: &str, source: &str) -> Result<(), UserError> {
    let phone = parse_phone(phone)?;
    if !app.config.sms_countries.allow(&phone) {
        return Err(UserError::InvalidRequest);
    }
    let limit = app.config.limits.codes_per_source;
    if !app
        .limits
        .hit(&format!("codes-from#{source}"), limit, app.clock.now_ms())
        .await?
    {
        return Err(UserError::TooFrequent);
    }
    let code = generate_code();
    let digest = code_digest(&app.code_key, phone.e164(), &code);
    let now = app.clock.now_ms();
    if app.codes.issue(phone.e164(), &digest, now, &app.config.codes).await? == CodeIssue::TooFrequent {
        return Err(UserError::TooFrequent);
    }
    if let Err(undelivered) = app
        .sms
        .send_sms(phone.e164(), &sms_text(&code, app.config.codes.lifetime))
        .await
    {
        if let Err(error) = app.codes.withdraw(phone.e164(), &digest, now).await {
            tracing::warn!(%error, "an undelivered code could not be withdrawn");
        }
        return Err(undelivered.into());
    }
    Ok(())
}

/// Uses up the code if it is right; a wrong guess costs one of the code's tries.
async fn redeem_code(app: &Services, phone: &PhoneNumber, code: &str) -> Result<(), UserError> {
    let digest = code_digest(&app.code_key, phone.e164(), code);
    match app
        .codes
        .check(phone.e164(), &digest, app.clock.now_ms(), &app.config.codes)
        .await?
    {
        CodeCheck::Accepted => Ok(()),
        CodeCheck::NoneRequested => Err(UserError::InvalidRequest),
        CodeCheck::Rejected => Err(UserError::BadVerifyCode),
    }
}

/// As the original: the code is checked (and used up) before the phone's uniqueness.
pub async fn register(app: &Services, phone: &str, code: &str, password: &str) -> Result<i64, UserError> {
    let phone = parse_phone(phone)?;
    let password = checked_password(password)?;
    redeem_code(app, &phone, code).await?;
    let uuid = app.ids.next_id("users").await?;
    let user = User::registered(uuid, phone.as_sent(), hash_off_thread(password).await);
    match app.users.create(&user, phone.e164()).await? {
        Written::Done => Ok(uuid),
        Written::Refused => Err(UserError::PhoneTaken),
    }
}

/// The user and a fresh login token. After too many wrong passwords for a phone, its logins
/// are refused (`request too frequent`) until the window ends, right or wrong.
pub async fn login(app: &Services, phone: &str, password: &str) -> Result<(User, String), UserError> {
    let phone = parse_phone(phone)?;
    let (failures, limit, now) = (
        format!("failed-logins#{}", phone.e164()),
        app.config.limits.failed_logins,
        app.clock.now_ms(),
    );
    let (uuid, locked) = tokio::try_join!(
        app.users.uuid_for_phone(phone.e164()),
        app.limits.exceeded(&failures, limit, now)
    )?;
    if locked {
        return Err(UserError::TooFrequent);
    }
    let uuid = uuid.ok_or(UserError::UserNotFound)?;
    let user = app.users.get(uuid).await?.ok_or(UserError::UserNotFound)?;
    if !verify_off_thread(password, &user.password_hash).await {
        app.limits.hit(&failures, limit, now).await?;
        return Err(UserError::PasswordIncorrect);
    }
    let token = app.tokens.issue_login(uuid);
    Ok((user, token))
}

pub async fn reset_password(app: &Services, phone: &str, code: &str, password: &str) -> Result<(), UserError> {
    let phone = parse_phone(phone)?;
    let password = checked_password(password)?;
    let uuid = app
        .users
        .uuid_for_phone(phone.e164())
        .await?
        .ok_or(UserError::InvalidRequest)?;
    redeem_code(app, &phone, code).await?;
    let changes = ProfileChanges {
        password_hash: Some(hash_off_thread(password).await),
        ..ProfileChanges::default()
    };
    match app.users.update_profile(uuid, &changes).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(UserError::InvalidRequest),
    }
}
