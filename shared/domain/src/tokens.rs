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
    purpose: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idcard: Option<String>,
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

    pub fn issue_login(&self, user: UserId) -> String {
        self.issue(user, LOGIN, None, self.login_lifetime)
    }

    pub fn issue_mail(&self, user: UserId, idcard: &str) -> String {
        self.issue(user, MAIL, Some(idcard.to_owned()), self.mail_lifetime)
    }

    /// The user id of a valid, unexpired login token.
    pub fn verify_login(&self, token: &str) -> Result<UserId, TokenError> {
        let claims = self.verify(token, LOGIN)?;
        Ok(claims.uuid)
    }

    pub fn verify_mail(&self, token: &str) -> Result<MailVerification, TokenError> {
        let claims = self.verify(token, MAIL)?;
        let idcard = claims.idcard.ok_or(TokenError::Invalid)?;
        Ok(MailVerification {
            user: claims.uuid,
            idcard,
        })
    }

    fn issue(&self, user: UserId, purpose: &str, idcard: Option<String>, lifetime: Duration) -> String {
        let iat = self.clock.now_ms() / 1000;
        let exp = iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
        let claims = Claims {
            uuid: user,
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
        let token = tokens.issue_login(UserId::new(42));
        assert_eq!(tokens.verify_login(&token), Ok(UserId::new(42)));
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
            tokens.verify_mail(&tokens.issue_login(UserId::new(7))),
            Err(TokenError::WrongPurpose)
        );
    }

    #[test]
    fn tokens_signed_with_another_secret_are_invalid() {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
        let other = TokenService::new(b"other", Duration::from_secs(60), Duration::from_secs(60), clock);
        let tokens = service(Arc::new(ManualClock::starting_now()));
        assert_eq!(
            tokens.verify_login(&other.issue_login(UserId::new(1))),
            Err(TokenError::Invalid)
        );
        assert_eq!(tokens.verify_login("not.a.jwt"), Err(TokenError::Invalid));
        assert_eq!(tokens.verify_login(""), Err(TokenError::Invalid));
    }
}
