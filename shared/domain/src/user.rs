//! The user record, its registration defaults, and the JSON shapes the client reads.

use crate::ids::UserId;
use serde::Serialize;

pub const DEFAULT_USERNAME: &str = "新手咸鱼人员";
pub const DEFAULT_INFO: &str = "这家伙很懒，什么都没有写＞︿＜";
pub const DEFAULT_AVATAR: &str = "image/avatar/default.jpg";
pub const DEFAULT_SCORE: i64 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    /// As the user typed it at registration.
    pub phonenumber: String,
    pub idcard: String,
    pub studentid: String,
    pub address: String,
    pub avatarurl: String,
    /// The idcard whose campus mailbox was proven; `verified` is derived from it so that
    /// changing `idcard` un-verifies without a second write.
    pub verified_idcard: String,
    /// Which login tokens are current: a token carries the version it was issued under, and
    /// a password reset or change moves the version on, so every earlier token stops working.
    pub token_version: u32,
    /// The one login (its token's login id) that outlives the last password change: the one
    /// that made it, so the client can go on with what it was doing.
    pub kept_login: Option<i64>,
    /// The default, or the Bayesian average of the ratings received (`rating::score`).
    pub score: i64,
    /// How many ratings the user received: the public profile shows it beside the score
    /// (the login reply and `/user/me` keep the original's fields).
    pub ratings: i64,
    pub info: String,
    pub password_hash: String,
    /// Granted by an operator (`make moderator`), never through the API.
    pub moderator: bool,
    /// Until when a moderator suspended the account (epoch ms): it cannot log in before then.
    pub suspended_until_ms: Option<i64>,
}

impl User {
    /// A new account with the original server's defaults; nothing else from the request is used.
    pub fn registered(id: UserId, phonenumber: &str, password_hash: String) -> Self {
        Self {
            id,
            username: DEFAULT_USERNAME.to_owned(),
            phonenumber: phonenumber.to_owned(),
            idcard: String::new(),
            studentid: "0".to_owned(),
            address: String::new(),
            avatarurl: DEFAULT_AVATAR.to_owned(),
            verified_idcard: String::new(),
            token_version: 0,
            kept_login: None,
            score: DEFAULT_SCORE,
            ratings: 0,
            info: DEFAULT_INFO.to_owned(),
            password_hash,
            moderator: false,
            suspended_until_ms: None,
        }
    }

    /// Whether a moderator's suspension still holds at `now_ms`.
    pub fn suspended_at(&self, now_ms: i64) -> bool {
        self.suspended_until_ms.is_some_and(|until| now_ms < until)
    }

    pub fn verified(&self) -> i64 {
        i64::from(!self.idcard.is_empty() && self.idcard == self.verified_idcard)
    }

    /// `GET /user/{uuid}`: no phone, idcard, studentid, address or password.
    pub fn public_view(&self) -> PublicUserView<'_> {
        PublicUserView {
            avatarurl: &self.avatarurl,
            info: &self.info,
            ratings: self.ratings,
            score: self.score,
            username: &self.username,
            uuid: self.id,
            verified: self.verified(),
        }
    }

    /// `/user/me` and the login reply: every column but the password.
    pub fn protected_view(&self) -> ProtectedUserView<'_> {
        ProtectedUserView {
            address: &self.address,
            avatarurl: &self.avatarurl,
            idcard: &self.idcard,
            info: &self.info,
            phonenumber: &self.phonenumber,
            score: self.score,
            studentid: &self.studentid,
            username: &self.username,
            uuid: self.id,
            verified: self.verified(),
        }
    }
}

/// A profile as anyone may read it, keys in the wire's (alphabetical) order.
#[derive(Debug, Serialize)]
pub struct PublicUserView<'a> {
    avatarurl: &'a str,
    info: &'a str,
    ratings: i64,
    score: i64,
    username: &'a str,
    uuid: UserId,
    verified: i64,
}

/// A profile as its owner reads it, keys in the wire's (alphabetical) order.
#[derive(Debug, Serialize)]
pub struct ProtectedUserView<'a> {
    address: &'a str,
    avatarurl: &'a str,
    idcard: &'a str,
    info: &'a str,
    phonenumber: &'a str,
    score: i64,
    studentid: &'a str,
    username: &'a str,
    uuid: UserId,
    verified: i64,
}

/// What a user search hit shows: never a phone, idcard, studentid or password, which a
/// search therefore never reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicProfile {
    pub id: UserId,
    pub username: String,
    pub info: String,
    pub address: String,
    pub score: i64,
}

/// The fields `/user/modify` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    pub username: Option<String>,
    pub idcard: Option<String>,
    pub studentid: Option<String>,
    pub address: Option<String>,
    pub info: Option<String>,
    /// A new password ends every login token issued before, except `keep_login`'s.
    pub password_hash: Option<String>,
    /// With a new password: the login (its token's login id) that keeps working.
    pub keep_login: Option<i64>,
}

/// Length bounds (in characters) of the profile fields.
pub mod limits {
    pub const USERNAME: usize = 32;
    pub const IDCARD: usize = 32;
    pub const STUDENTID: usize = 32;
    pub const ADDRESS: usize = 64;
    pub const INFO: usize = 255;
}

/// An idcard is the local part of a campus mail address, so only a conservative alphabet.
pub fn valid_idcard(idcard: &str) -> bool {
    idcard.chars().count() <= limits::IDCARD
        && idcard
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub fn valid_text(value: &str, max_chars: usize) -> bool {
    value.chars().count() <= max_chars && !value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registration_defaults_match_the_original() {
        let user = User::registered(UserId::new(1), "13800138000", "hash".into());
        assert_eq!(
            serde_json::to_string(&user.public_view()).unwrap(),
            json!({"uuid":1,"username":"新手咸鱼人员","avatarurl":"image/avatar/default.jpg","verified":0,"score":10,"ratings":0,"info":"这家伙很懒，什么都没有写＞︿＜"}).to_string()
        );
        let me = serde_json::to_value(user.protected_view()).unwrap();
        assert_eq!(me["studentid"], "0");
        assert_eq!(me["idcard"], "");
        assert_eq!(me["phonenumber"], "13800138000");
        assert!(me.get("password").is_none() && me.get("password_hash").is_none());
    }

    #[test]
    fn verified_follows_the_current_idcard() {
        let mut user = User::registered(UserId::new(1), "1", "h".into());
        user.idcard = "213170000".into();
        user.verified_idcard = "213170000".into();
        assert_eq!(user.verified(), 1);
        user.idcard = "213179999".into();
        assert_eq!(user.verified(), 0);
    }

    #[test]
    fn idcards_are_mailbox_safe() {
        assert!(valid_idcard("213170000"));
        assert!(valid_idcard(""));
        assert!(!valid_idcard("a@b"));
        assert!(!valid_idcard("x y"));
        assert!(!valid_idcard(&"1".repeat(33)));
    }
}
