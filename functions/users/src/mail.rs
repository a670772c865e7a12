//! Campus identity: a link mailed to `{idcard}@{MAIL_DOMAIN}` proves the idcard.

use crate::error::UserError;
use foof_domain::clock::Clock;
use foof_domain::ids::UserId;
use foof_domain::ports::{MailLimits, Mailer, RateLimiter, UserStore, Written};
use foof_domain::tokens::TokenService;
use foof_domain::user::valid_idcard;
use std::sync::Arc;
use std::time::Duration;

/// The stores and services mail verification uses.
pub struct MailPorts {
    pub users: Arc<dyn UserStore>,
    pub mail: Arc<dyn Mailer>,
    pub limits: Arc<dyn RateLimiter>,
    pub tokens: Arc<TokenService>,
    pub clock: Arc<dyn Clock>,
}

/// Its rules, from the configuration.
pub struct MailRules {
    /// The campus mail domain the idcard is a mailbox of.
    pub domain: String,
    pub link_lifetime: Duration,
    pub limits: MailLimits,
}

pub struct MailVerification {
    ports: MailPorts,
    rules: MailRules,
}

impl MailVerification {
    pub fn new(ports: MailPorts, rules: MailRules) -> Self {
        Self { ports, rules }
    }

    /// Mails a link to `idcard`'s campus mailbox (the profile's idcard when none is given),
    /// within the account's and the mailbox's limits. Only the newest link may confirm.
    pub async fn send(&self, user: UserId, idcard: Option<String>, base_url: &str) -> Result<(), UserError> {
        let MailPorts {
            users,
            mail,
            limits,
            tokens,
            clock,
        } = &self.ports;
        let profile = users.get(user).await?.ok_or(UserError::Forbidden)?;
        let idcard = idcard.unwrap_or(profile.idcard);
        if idcard.is_empty() || !valid_idcard(&idcard) {
            return Err(UserError::InvalidRequest);
        }
        let to = format!("{idcard}@{}", self.rules.domain);
        let now = clock.now_ms();
        let within_limits = limits
            .hit(&format!("mail-from#{user}"), self.rules.limits.per_account, now)
            .await?
            && limits
                .hit(&format!("mail-to#{to}"), self.rules.limits.per_address, now)
                .await?;
        if !within_limits {
            return Err(UserError::TooFrequent);
        }
        if users.request_idcard(user, &idcard).await? == Written::Refused {
            return Err(UserError::Forbidden);
        }
        let token = tokens.issue_mail(user, &idcard);
        let link = format!("{base_url}/user/mail/verify/{token}");
        let minutes = self.rules.link_lifetime.as_secs() / 60;
        let body = format!(
            "你好，{username}：\n\n请在 {minutes} 分钟内打开下面的链接，完成 FOOF 校园身份认证：\n{link}\n\n如果这不是你本人的操作，请忽略这封邮件。\n",
            username = profile.username,
        );
        Ok(mail.send_mail(&to, "FOOF 校园身份认证", &body).await?)
    }

    /// The link was opened: the idcard it names becomes the user's, verified.
    pub async fn confirm(&self, mail_token: &str) -> Result<(), UserError> {
        let claim = self
            .ports
            .tokens
            .verify_mail(mail_token)
            .map_err(|_| UserError::InvalidRequest)?;
        match self.ports.users.confirm_idcard(claim.user, &claim.idcard).await? {
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
    const DAY_MS: i64 = 86_400_000;
    const MAIL_LIMITS: MailLimits = MailLimits {
        per_account: foof_domain::ports::Limit {
            max: 4,
            window_ms: DAY_MS,
        },
        per_address: foof_domain::ports::Limit {
            max: 2,
            window_ms: DAY_MS,
        },
    };

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
        let ports = MailPorts {
            users: store.users(),
            mail: outbox.mailer(),
            limits: store.limits(),
            tokens: tokens.clone(),
            clock: clock.clone(),
        };
        let rules = MailRules {
            domain: "seu.edu.cn".into(),
            link_lifetime: LIFETIME,
            limits: MAIL_LIMITS,
        };
        let mail = MailVerification::new(ports, rules);
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
        for bad in [world.tokens.issue_login(ME, 0), format!("{token}x"), "junk".into()] {
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

    /// The token of every mail sent so far, oldest first.
    fn mailed_tokens(world: &World) -> Vec<String> {
        let link = format!("{BASE_URL}/user/mail/verify/");
        world
            .outbox
            .mails()
            .iter()
            .map(|(_, _, body)| {
                body.lines()
                    .find_map(|line| line.strip_prefix(&link))
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[tokio::test]
    async fn a_stale_link_never_overwrites_a_newer_address_and_a_link_works_once() {
        let world = world("");
        world.mail.send(ME, Some("213170001".into()), BASE_URL).await.unwrap();
        world.mail.send(ME, Some("213170002".into()), BASE_URL).await.unwrap();
        let [stale, newest] = &mailed_tokens(&world)[..] else {
            panic!("two mails")
        };
        assert!(matches!(
            world.mail.confirm(stale).await,
            Err(UserError::InvalidRequest)
        ));
        world.mail.confirm(newest).await.unwrap();
        assert_eq!(world.verified(), ("213170002".into(), 1));
        assert!(matches!(
            world.mail.confirm(newest).await,
            Err(UserError::InvalidRequest)
        ));
        assert!(matches!(
            world.mail.confirm(stale).await,
            Err(UserError::InvalidRequest)
        ));
        assert_eq!(world.verified(), ("213170002".into(), 1));
    }

    #[tokio::test]
    async fn mail_is_limited_per_mailbox_and_per_account() {
        let world = world("");
        for _ in 0..MAIL_LIMITS.per_address.max {
            world.mail.send(ME, Some("213170001".into()), BASE_URL).await.unwrap();
        }
        assert!(matches!(
            world.mail.send(ME, Some("213170001".into()), BASE_URL).await,
            Err(UserError::TooFrequent)
        ));
        world.mail.send(ME, Some("213170002".into()), BASE_URL).await.unwrap();
        assert!(matches!(
            world.mail.send(ME, Some("213170003".into()), BASE_URL).await,
            Err(UserError::TooFrequent)
        ));
        assert_eq!(world.outbox.mails().len(), 3);
        world.clock.advance(Duration::from_millis(DAY_MS as u64));
        world.mail.send(ME, Some("213170003".into()), BASE_URL).await.unwrap();
    }
}
