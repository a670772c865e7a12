//! Campus identity: a link mailed to `{idcard}@{MAIL_DOMAIN}` proves the idcard.

use crate::error::UserError;
use foof_domain::ids::UserId;
use foof_domain::ports::{Mailer, UserStore, Written};
use foof_domain::tokens::TokenService;
use foof_domain::user::valid_idcard;
use std::sync::Arc;
use std::time::Duration;

pub struct MailVerification {
    users: Arc<dyn UserStore>,
    mail: Arc<dyn Mailer>,
    tokens: Arc<TokenService>,
    /// The campus mail domain the idcard is a mailbox of.
    domain: String,
    link_lifetime: Duration,
}

impl MailVerification {
    pub fn new(
        users: Arc<dyn UserStore>,
        mail: Arc<dyn Mailer>,
        tokens: Arc<TokenService>,
        domain: String,
        link_lifetime: Duration,
    ) -> Self {
        Self {
            users,
            mail,
            tokens,
            domain,
            link_lifetime,
        }
    }

    /// Mails a link to `idcard`'s campus mailbox (the profile's idcard when none is given).
    pub async fn send(&self, user: UserId, idcard: Option<String>, base_url: &str) -> Result<(), UserError> {
        let profile = self.users.get(user).await?.ok_or(UserError::Forbidden)?;
        let idcard = idcard.unwrap_or(profile.idcard);
        if idcard.is_empty() || !valid_idcard(&idcard) {
            return Err(UserError::InvalidRequest);
        }
        let token = self.tokens.issue_mail(user, &idcard);
        let link = format!("{base_url}/user/mail/verify/{token}");
        let minutes = self.link_lifetime.as_secs() / 60;
        let body = format!(
            "你好，{username}：\n\n请在 {minutes} 分钟内打开下面的链接，完成 FOOF 校园身份认证：\n{link}\n\n如果这不是你本人的操作，请忽略这封邮件。\n",
            username = profile.username,
        );
        let to = format!("{idcard}@{}", self.domain);
        Ok(self.mail.send_mail(&to, "FOOF 校园身份认证", &body).await?)
    }

    /// The link was opened: the idcard it names becomes the user's, verified.
    pub async fn confirm(&self, mail_token: &str) -> Result<(), UserError> {
        let claim = self
            .tokens
            .verify_mail(mail_token)
            .map_err(|_| UserError::InvalidRequest)?;
        match self.users.confirm_idcard(claim.user, &claim.idcard).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(UserError::InvalidRequest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::clock::ManualClock;
    use foof_domain::memory::{InMemory, Outbox};
    use foof_domain::user::User;

    const ME: UserId = UserId::new(1);
    const NOBODY: UserId = UserId::new(99);
    const BASE_URL: &str = "https://foof.example";
    const LIFETIME: Duration = Duration::from_secs(30 * 60);

    struct World {
        store: InMemory,
        outbox: Outbox,
        clock: Arc<ManualClock>,
        tokens: Arc<TokenService>,
        mail: MailVerification,
    }

    /// User 1, whose profile names `idcard`.
    fn world(idcard: &str) -> World {
        let (store, outbox) = (InMemory::new(), Outbox::new());
        let user = User {
            idcard: idcard.into(),
            ..User::registered(ME, "13800138001", String::new())
        };
        store.add_user(user, "+8613800138001");
        let clock = Arc::new(ManualClock::starting_now());
        let tokens = Arc::new(TokenService::new(b"jwt secret", LIFETIME, LIFETIME, clock.clone()));
        let mail = MailVerification::new(
            store.users(),
            outbox.mailer(),
            tokens.clone(),
            "seu.edu.cn".into(),
            LIFETIME,
        );
        World {
            store,
            outbox,
            clock,
            tokens,
            mail,
        }
    }

    impl World {
        /// The address of the one mail sent, and the token of its link.
        fn mailed(&self) -> (String, String) {
            let [(to, _, body)] = &self.outbox.mails()[..] else {
                panic!("expected one mail, got {:?}", self.outbox.mails());
            };
            let link = format!("{BASE_URL}/user/mail/verify/");
            let token = body
                .lines()
                .find_map(|line| line.strip_prefix(&link))
                .expect("the mail holds the link");
            (to.clone(), token.to_owned())
        }

        fn verified(&self) -> (String, i64) {
            let user = self.store.user(ME).unwrap();
            (user.idcard.clone(), user.verified())
        }
    }

    #[tokio::test]
    async fn the_link_mailed_to_the_campus_mailbox_verifies_the_idcard() {
        let world = world("");
        world.mail.send(ME, Some("213170001".into()), BASE_URL).await.unwrap();
        let (to, token) = world.mailed();
        assert_eq!(to, "213170001@seu.edu.cn");
        assert_eq!(world.verified(), (String::new(), 0), "not before the link is opened");
        world.mail.confirm(&token).await.unwrap();
        assert_eq!(world.verified(), ("213170001".into(), 1));
    }

    #[tokio::test]
    async fn without_an_idcard_the_profiles_is_mailed() {
        let world = world("213170002");
        world.mail.send(ME, None, BASE_URL).await.unwrap();
        let (to, token) = world.mailed();
        assert_eq!(to, "213170002@seu.edu.cn");
        world.mail.confirm(&token).await.unwrap();
        assert_eq!(world.verified(), ("213170002".into(), 1));
    }

    #[tokio::test]
    async fn an_invalid_or_absent_idcard_is_refused() {
        let world = world("");
        for idcard in [Some("a@evil.example".to_owned()), Some("x y".into()), None] {
            assert!(matches!(
                world.mail.send(ME, idcard, BASE_URL).await,
                Err(UserError::InvalidRequest)
            ));
        }
        assert!(world.outbox.mails().is_empty());
    }

    #[tokio::test]
    async fn a_user_that_does_not_exist_gets_no_mail() {
        let world = world("213170001");
        assert!(matches!(
            world.mail.send(NOBODY, None, BASE_URL).await,
            Err(UserError::Forbidden)
        ));
        assert!(world.outbox.mails().is_empty());
    }

    #[tokio::test]
    async fn an_undeliverable_mail_is_an_error() {
        let world = world("213170001");
        world.outbox.fail_sends(true);
        assert!(matches!(
            world.mail.send(ME, None, BASE_URL).await,
            Err(UserError::Backend(_))
        ));
    }

    #[tokio::test]
    async fn only_an_unexpired_mail_token_confirms() {
        let world = world("");
        world.mail.send(ME, Some("213170001".into()), BASE_URL).await.unwrap();
        let (_, token) = world.mailed();
        for bad in [world.tokens.issue_login(ME), format!("{token}x"), "junk".into()] {
            assert!(matches!(world.mail.confirm(&bad).await, Err(UserError::InvalidRequest)));
        }
        world.clock.advance(LIFETIME);
        assert!(matches!(
            world.mail.confirm(&token).await,
            Err(UserError::InvalidRequest)
        ));
        assert_eq!(world.verified(), (String::new(), 0));
    }

    #[tokio::test]
    async fn a_link_for_a_user_that_no_longer_exists_confirms_nothing() {
        let world = world("");
        let token = world.tokens.issue_mail(NOBODY, "213170001");
        assert!(matches!(
            world.mail.confirm(&token).await,
            Err(UserError::InvalidRequest)
        ));
        assert!(world.store.user(NOBODY).is_none());
    }
}
