//! JWTs (HS256). Login tokens carry the user's `uuid` and an expiry; mail-verification tokens
//! carry a different `purpose` and the idcard being verified, and are never accepted as login
//! tokens. Expiry is checked against the injected clock, not the system time.

use crate::clock::Clock;
use crate::ids::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

const LOGIN: &str = "login";
const MAIL: &str = "mail";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is malformed or its signature does not match")]
    Invalid,
    #[error("token has expired")]
    Expired,
    #[error("token was issued for another purpose")]
    WrongPurpose,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    uuid: UserId,
    /// The user's token version at issue; tokens from before versions existed count as 0.
    #[serde(default)]
    ver: u32,
    /// Which login this is: random, so that two logins never share it (0 on mail tokens and
    /// on login tokens from before it existed).
    #[serde(default)]
    sid: i64,
    purpose: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idcard: Option<String>,
}

/// What a valid login token says: whose it is, and under which token version it was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginClaim {
    pub user: UserId,
    pub version: u32,
    /// Which of the user's logins this is (random, positive; 0 for tokens from before).
    pub login: i64,
    /// When the password (or code) behind this login was last proven.
    pub logged_in_at_ms: i64,
}

/// What a verified mail token asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailVerification {
    pub user: UserId,
    pub idcard: String,
}

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    login_lifetime: Duration,
    mail_lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl TokenService {
    pub fn new(secret: &[u8], login_lifetime: Duration, mail_lifetime: Duration, clock: Arc<dyn Clock>) -> Self {
        super::jwt_hs256::install();
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            login_lifetime,
            mail_lifetime,
            clock,
        }
    }

    pub fn issue_login(&self, user: UserId, version: u32) -> String {
        let login = i64::try_from(super::random::u64() >> 1).unwrap_or(i64::MAX).max(1);
        self.issue(user, (version, login), LOGIN, None, self.login_lifetime)
    }

    pub fn issue_mail(&self, user: UserId, idcard: &str) -> String {
        self.issue(user, (0, 0), MAIL, Some(idcard.to_owned()), self.mail_lifetime)
    }

    /// Whose a valid, unexpired login token is (whether its version is current is the
    /// caller's to check).
    pub fn verify_login(&self, token: &str) -> Result<LoginClaim, TokenError> {
        let claims = self.verify(token, LOGIN)?;
        Ok(LoginClaim {
            user: claims.uuid,
            version: claims.ver,
            login: claims.sid,
            logged_in_at_ms: claims.iat.saturating_mul(1000),
        })
    }

    pub fn verify_mail(&self, token: &str) -> Result<MailVerification, TokenError> {
        let claims = self.verify(token, MAIL)?;
        let idcard = claims.idcard.ok_or(TokenError::Invalid)?;
        Ok(MailVerification {
            user: claims.uuid,
            idcard,
        })
    }

    /// `session`: the token version and login id a login token carries.
    fn issue(
        &self,
        user: UserId,
        (version, login): (u32, i64),
        purpose: &str,
        idcard: Option<String>,
        lifetime: Duration,
    ) -> String {
        let iat = self.clock.now_ms() / 1000;
        let exp = iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
        let claims = Claims {
            uuid: user,
            ver: version,
            sid: login,
            purpose: purpose.to_owned(),
            iat,
            exp,
            idcard,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    fn verify(&self, token: &str, purpose: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // checked below against the injected clock
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.purpose != purpose {
            return Err(TokenError::WrongPurpose);
        }
        if claims.exp <= self.clock.now_ms() / 1000 {
            return Err(TokenError::Expired);
        }
        if claims.uuid.get() <= 0 {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn service(clock: Arc<ManualClock>) -> TokenService {
        TokenService::new(
            b"test-secret",
            Duration::from_secs(3600),
            Duration::from_secs(60),
            clock,
        )
    }

    #[test]
    fn login_tokens_round_trip_until_they_expire() {
        let clock = Arc::new(ManualClock::starting_now());
        let tokens = service(clock.clone());
        let token = tokens.issue_login(UserId::new(42), 3);
        let claim = tokens.verify_login(&token).unwrap();
        assert_eq!((claim.user, claim.version), (UserId::new(42), 3));
        let again = tokens.verify_login(&tokens.issue_login(UserId::new(42), 3)).unwrap();
        assert!(
            claim.login > 0 && again.login > 0 && claim.login != again.login,
            "two logins, two ids"
        );
        clock.advance(Duration::from_secs(3601));
        assert_eq!(tokens.verify_login(&token), Err(TokenError::Expired));
    }

    #[test]
    fn mail_tokens_are_not_login_tokens_and_vice_versa() {
        let tokens = service(Arc::new(ManualClock::starting_now()));
        let mail = tokens.issue_mail(UserId::new(7), "213170000");
        assert_eq!(tokens.verify_login(&mail), Err(TokenError::WrongPurpose));
        assert_eq!(
            tokens.verify_mail(&mail),
            Ok(MailVerification {
                user: UserId::new(7),
                idcard: "213170000".into()
            })
        );
        assert_eq!(
            tokens.verify_mail(&tokens.issue_login(UserId::new(7), 0)),
            Err(TokenError::WrongPurpose)
        );
    }

    #[test]
    fn tokens_signed_with_another_secret_are_invalid() {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
        let other = TokenService::new(b"other", Duration::from_secs(60), Duration::from_secs(60), clock);
        let tokens = service(Arc::new(ManualClock::starting_now()));
        assert_eq!(
            tokens.verify_login(&other.issue_login(UserId::new(1), 0)),
            Err(TokenError::Invalid)
        );
        assert_eq!(tokens.verify_login("not.a.jwt"), Err(TokenError::Invalid));
        assert_eq!(tokens.verify_login(""), Err(TokenError::Invalid));
    }
}
