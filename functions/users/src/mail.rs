//! Campus identity: a link mailed to `{idcard}@{MAIL_DOMAIN}` proves the idcard.

use crate::error::UserError;
use foof_shared::app::Services;
use foof_shared::domain::user::valid_idcard;
use foof_shared::ports::Written;

pub async fn send_verification(
    app: &Services,
    uuid: i64,
    idcard: Option<String>,
    base_url: &str,
) -> Result<(), UserError> {
    let user = app.users.get(uuid).await?.ok_or(UserError::Forbidden)?;
    let idcard = idcard.unwrap_or(user.idcard);
    if idcard.is_empty() || !valid_idcard(&idcard) {
        return Err(UserError::InvalidRequest);
    }
    let token = app.tokens.issue_mail(uuid, &idcard);
    let link = format!("{base_url}/user/mail/verify/{token}");
    let minutes = app.config.mail_token_lifetime.as_secs() / 60;
    let body = format!(
        "你好，{username}：\n\n请在 {minutes} 分钟内打开下面的链接，完成 FOOF 校园身份认证：\n{link}\n\n如果这不是你本人的操作，请忽略这封邮件。\n",
        username = user.username,
    );
    let to = format!("{idcard}@{}", app.config.mail_domain);
    Ok(app.mail.send_mail(&to, "FOOF 校园身份认证", &body).await?)
}

pub async fn confirm(app: &Services, mail_token: &str) -> Result<(), UserError> {
    let claim = app
        .tokens
        .verify_mail(mail_token)
        .map_err(|_| UserError::InvalidRequest)?;
    match app.users.confirm_idcard(claim.uuid, &claim.idcard).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(UserError::InvalidRequest),
    }
}
