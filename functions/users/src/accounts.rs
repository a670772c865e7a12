//! Accounts: verification codes, registration, login and password reset.

use crate::error::UserError;
use foof_domain::clock::Clock;
use foof_domain::codes::{CodePolicy, code_digest, generate_code, sms_text};
use foof_domain::ids::UserId;
use foof_domain::password::{MAX_PASSWORD_LEN, hash_password, verify_password};
use foof_domain::phone::{PhoneNumber, SmsCountries};
use foof_domain::ports::{
    AbuseLimits, CodeCheck, CodeIssue, CodeStore, IdAllocator, RateLimiter, SmsSender, UserStore, Written,
};
use foof_domain::tokens::TokenService;
use foof_domain::user::{ProfileChanges, User};
use std::sync::Arc;
use std::time::Duration;

/// The rules accounts follow, from the configuration.
pub struct AccountRules {
    pub codes: CodePolicy,
    pub sms_countries: SmsCountries,
    pub limits: AbuseLimits,
    /// How long after a login its token may change the password without the old one.
    pub recent_login: Duration,
    /// Keys the verification-code digests.
    pub code_key: Vec<u8>,
}

/// The stores and services accounts use.
pub struct AccountPorts {
    pub users: Arc<dyn UserStore>,
    pub ids: Arc<dyn IdAllocator>,
    pub codes: Arc<dyn CodeStore>,
    pub limits: Arc<dyn RateLimiter>,
    pub sms: Arc<dyn SmsSender>,
    pub tokens: Arc<TokenService>,
    pub clock: Arc<dyn Clock>,
}

pub struct Accounts {
    ports: AccountPorts,
    rules: AccountRules,
}

/// The rate-limit keys a login attempt takes a slot in.
struct LoginSlots {
    from_here: String,
    from_anywhere: String,
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

impl Accounts {
    pub fn new(ports: AccountPorts, rules: AccountRules) -> Self {
        Self { ports, rules }
    }

    /// Texts a fresh code to `phone`, within the per-source and per-phone limits.
    pub async fn request_code(&self, phone: &PhoneNumber, source: &str) -> Result<(), UserError> {
        let AccountPorts {
            codes,
            limits,
            sms,
            clock,
            ..
        } = &self.ports;
        if !self.rules.sms_countries.allow(phone) {
            return Err(UserError::InvalidRequest);
        }
        let rules = self.rules.limits;
        let now = clock.now_ms();
        if !limits
            .hit(&format!("codes-from#{source}"), rules.codes_per_source, now)
            .await?
        {
            return Err(UserError::TooFrequent);
        }
        let code = generate_code();
        let digest = code_digest(&self.rules.code_key, phone.e164(), &code);
        if codes.issue(phone.e164(), &digest, now, &self.rules.codes).await? == CodeIssue::TooFrequent {
            return Err(UserError::TooFrequent);
        }
        // Counted once the phone's own limits let the code through, so that refused requests
        // spend nothing of it.
        let for_phone = format!("codes-for#{}#{source}", phone.e164());
        if !limits.hit(&for_phone, rules.codes_per_phone_per_source, now).await? {
            self.withdraw(phone, &digest, now).await;
            return Err(UserError::TooFrequent);
        }
        // The service's SMS budget is spent last, by requests every other limit let through.
        if !limits.hit("sms-sent", self.rules.limits.sms_per_hour, now).await? {
            self.withdraw(phone, &digest, now).await;
            return Err(UserError::TooFrequent);
        }
        if let Err(undelivered) = sms
            .send_sms(phone.e164(), &sms_text(&code, self.rules.codes.lifetime))
            .await
        {
            self.withdraw(phone, &digest, now).await;
            return Err(undelivered.into());
        }
        Ok(())
    }

    /// Takes back a code that was not sent, so that the phone may ask again at once.
    async fn withdraw(&self, phone: &PhoneNumber, digest: &str, now: i64) {
        if let Err(error) = self.ports.codes.withdraw(phone.e164(), digest, now).await {
            tracing::warn!(%error, "an unsent code could not be withdrawn");
        }
    }

    /// Uses up the code if it is right; a wrong guess costs one of the code's tries.
    async fn redeem_code(&self, phone: &PhoneNumber, code: &str) -> Result<(), UserError> {
        let digest = code_digest(&self.rules.code_key, phone.e164(), code);
        let now = self.ports.clock.now_ms();
        match self
            .ports
            .codes
            .check(phone.e164(), &digest, now, &self.rules.codes)
            .await?
        {
            CodeCheck::Accepted => Ok(()),
            CodeCheck::NoneRequested => Err(UserError::InvalidRequest),
            CodeCheck::Rejected => Err(UserError::BadVerifyCode),
        }
    }

    /// As the original: the code is checked (and used up) before the phone's uniqueness.
    pub async fn register(&self, phone: &PhoneNumber, code: &str, password: &str) -> Result<UserId, UserError> {
        let password = checked_password(password)?;
        self.redeem_code(phone, code).await?;
        let id = UserId::new(self.ports.ids.next_id("users").await?);
        let user = User::registered(id, phone.as_sent(), hash_off_thread(password).await);
        match self.ports.users.create(&user, phone.e164()).await? {
            Written::Done => Ok(id),
            Written::Refused => Err(UserError::PhoneTaken),
        }
    }

    /// The user and a fresh login token, for a login from `source` (the client's address).
    ///
    /// Every attempt takes a slot in two windows before its password is judged: one for the
    /// phone from this address, one for the phone from anywhere (higher, so that locking a
    /// victim out takes several addresses). Attempts sent at once are therefore judged no more
    /// often than the limits allow; a right password gives its slots back. Wrong passwords
    /// from one address are also counted across phones.
    pub async fn login(&self, phone: &PhoneNumber, password: &str, source: &str) -> Result<(User, String), UserError> {
        let AccountPorts {
            users, limits, clock, ..
        } = &self.ports;
        let (rules, now) = (self.rules.limits, clock.now_ms());
        let from_source = format!("failed-logins-from#{source}");
        let (id, source_locked) = tokio::try_join!(
            users.user_for_phone(phone.e164()),
            limits.exceeded(&from_source, rules.failed_logins_per_source, now)
        )?;
        if source_locked {
            return Err(UserError::TooFrequent);
        }
        let id = id.ok_or(UserError::UserNotFound)?;
        let slots = LoginSlots {
            from_here: format!("failed-logins#{}#{source}", phone.e164()),
            from_anywhere: format!("failed-logins#{}", phone.e164()),
        };
        // The narrower window first: attempts it refuses never hold a place in the wider one.
        let from_here = limits.hit(&slots.from_here, rules.failed_logins, now).await?;
        let from_anywhere = from_here
            && limits
                .hit(&slots.from_anywhere, rules.failed_logins_per_phone, now)
                .await?;
        let taken = (from_here, from_anywhere);
        if taken != (true, true) {
            self.give_back(&slots, taken, now).await?;
            return Err(UserError::TooFrequent);
        }
        let Some(user) = users.get(id).await? else {
            self.give_back(&slots, taken, now).await?;
            return Err(UserError::UserNotFound);
        };
        if !verify_off_thread(password, &user.password_hash).await {
            limits.hit(&from_source, rules.failed_logins_per_source, now).await?;
            return Err(UserError::PasswordIncorrect);
        }
        self.give_back(&slots, taken, now).await?;
        // Said only to someone who knows the password.
        if user.suspended_at(now) {
            return Err(UserError::Suspended);
        }
        let token = self.ports.tokens.issue_login(id, user.token_version);
        Ok((user, token))
    }

    /// Whether the login behind a token (made at `logged_in_at_ms`) may set a new password: a
    /// recent login may, since it has just proven the password; an older one must name the old
    /// password, so that a token copied off a device cannot take the account over. An old
    /// password, when given, must be right; each guess takes a place in the user's window of
    /// failed logins first, as logins do.
    pub async fn authorize_password_change(
        &self,
        user: UserId,
        logged_in_at_ms: i64,
        old_password: Option<&str>,
    ) -> Result<(), UserError> {
        let AccountPorts {
            users, limits, clock, ..
        } = &self.ports;
        let now = clock.now_ms();
        let recent_ms = i64::try_from(self.rules.recent_login.as_millis()).unwrap_or(i64::MAX);
        let Some(old_password) = old_password else {
            return match now.saturating_sub(logged_in_at_ms) < recent_ms {
                true => Ok(()),
                false => Err(UserError::OldPasswordRequired),
            };
        };
        let (window, limit) = (format!("password-checks#{user}"), self.rules.limits.failed_logins);
        if !limits.hit(&window, limit, now).await? {
            return Err(UserError::TooFrequent);
        }
        let user = users.get(user).await?.ok_or(UserError::Forbidden)?;
        if !verify_off_thread(old_password, &user.password_hash).await {
            return Err(UserError::PasswordIncorrect);
        }
        limits.refund(&window, limit, now).await?;
        Ok(())
    }

    /// Refunds the login slots that were `taken` (from here, from anywhere).
    async fn give_back(&self, slots: &LoginSlots, taken: (bool, bool), now: i64) -> Result<(), UserError> {
        let (limits, rules) = (&self.ports.limits, self.rules.limits);
        let from_here = async {
            match taken.0 {
                true => limits.refund(&slots.from_here, rules.failed_logins, now).await,
                false => Ok(()),
            }
        };
        let from_anywhere = async {
            match taken.1 {
                true => {
                    limits
                        .refund(&slots.from_anywhere, rules.failed_logins_per_phone, now)
                        .await
                }
                false => Ok(()),
            }
        };
        tokio::try_join!(from_here, from_anywhere)?;
        Ok(())
    }

    /// Sets a new password with a texted code; every login token issued before stops working.
    /// Returns whose password it was.
    pub async fn reset_password(&self, phone: &PhoneNumber, code: &str, password: &str) -> Result<UserId, UserError> {
        let password = checked_password(password)?;
        let id = self
            .ports
            .users
            .user_for_phone(phone.e164())
            .await?
            .ok_or(UserError::InvalidRequest)?;
        self.redeem_code(phone, code).await?;
        let changes = ProfileChanges {
            password_hash: Some(hash_off_thread(password).await),
            ..ProfileChanges::default()
        };
        match self.ports.users.update_profile(id, &changes).await? {
            Written::Done => Ok(id),
            Written::Refused => Err(UserError::InvalidRequest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::clock::ManualClock;
    use foof_domain::codes::code_in_sms;
    use foof_domain::memory::{InMemory, Outbox};
    use foof_domain::ports::Limit;
    use std::time::Duration;

    const PHONE: &str = "13800138000";
    const E164: &str = "+8613800138000";
    const SOURCE: &str = "203.0.113.7";
    const RESEND: Duration = Duration::from_secs(60);
    /// Wrong passwords before a phone's logins are refused, and for how long.
    const FAILED_LOGINS: Limit = Limit {
        max: 3,
        window_ms: 900_000,
    };
    const FAILED_LOGINS_PER_PHONE: Limit = Limit {
        max: 8,
        window_ms: 900_000,
    };
    const FAILED_LOGINS_PER_SOURCE: Limit = Limit {
        max: 12,
        window_ms: 900_000,
    };
    const CODES_PER_PHONE_PER_SOURCE: Limit = Limit {
        max: 2,
        window_ms: 86_400_000,
    };
    const SMS_PER_HOUR: Limit = Limit {
        max: 4,
        window_ms: 3_600_000,
    };
    const RECENT_LOGIN: Duration = Duration::from_secs(600);
    /// The address the tests log in from, unless they say otherwise.
    const HERE: &str = "10.0.0.1";

    struct World {
        store: InMemory,
        outbox: Outbox,
        clock: Arc<ManualClock>,
        tokens: Arc<TokenService>,
        accounts: Accounts,
    }

    fn world() -> World {
        let (store, outbox) = (InMemory::new(), Outbox::new());
        let clock = Arc::new(ManualClock::starting_now());
        let day = Duration::from_secs(86_400);
        let tokens = Arc::new(TokenService::new(b"jwt secret", day, day, clock.clone()));
        let ports = AccountPorts {
            users: store.users(),
            ids: store.ids(),
            codes: store.codes(),
            limits: store.limits(),
            sms: outbox.sms_sender(),
            tokens: tokens.clone(),
            clock: clock.clone(),
        };
        let rules = AccountRules {
            codes: CodePolicy {
                lifetime: Duration::from_secs(600),
                max_tries: 3,
                resend_interval: RESEND,
                daily_cap: 10,
            },
            sms_countries: SmsCountries::parse("86").unwrap(),
            limits: AbuseLimits {
                codes_per_source: Limit {
                    max: 3,
                    window_ms: 3_600_000,
                },
                codes_per_phone_per_source: CODES_PER_PHONE_PER_SOURCE,
                failed_logins: FAILED_LOGINS,
                failed_logins_per_phone: FAILED_LOGINS_PER_PHONE,
                failed_logins_per_source: FAILED_LOGINS_PER_SOURCE,
                sms_per_hour: SMS_PER_HOUR,
            },
            recent_login: RECENT_LOGIN,
            code_key: b"code key".to_vec(),
        };
        World {
            store,
            outbox,
            clock,
            tokens,
            accounts: Accounts::new(ports, rules),
        }
    }

    fn phone(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    /// Another six digits than `code`.
    fn wrong(code: &str) -> String {
        format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
    }

    impl World {
        /// Asks for a code for `raw` and reads it from the SMS.
        async fn texted_code(&self, raw: &str) -> String {
            self.accounts.request_code(&phone(raw), SOURCE).await.unwrap();
            let (to, text) = self.outbox.sms().pop().expect("an SMS was sent");
            assert_eq!(to, phone(raw).e164());
            code_in_sms(&text).expect("the SMS carries a code").to_owned()
        }

        async fn registered(&self, raw: &str, password: &str) -> UserId {
            let code = self.texted_code(raw).await;
            self.accounts.register(&phone(raw), &code, password).await.unwrap()
        }
    }

    #[tokio::test]
    async fn a_texted_code_registers_the_phone_as_sent() {
        let world = world();
        let id = world.registered(PHONE, "pw").await;
        let user = world.store.user(id).expect("the user exists");
        assert_eq!(user.phonenumber, PHONE);
        assert_eq!(world.store.users().user_for_phone(E164).await.unwrap(), Some(id));
        assert!(verify_password("pw", &user.password_hash));
    }

    #[tokio::test]
    async fn a_wrong_code_is_refused_and_uses_a_try() {
        let world = world();
        let code = world.texted_code(PHONE).await;
        for _ in 0..3 {
            assert!(matches!(
                world.accounts.register(&phone(PHONE), &wrong(&code), "pw").await,
                Err(UserError::BadVerifyCode)
            ));
        }
        assert!(
            matches!(
                world.accounts.register(&phone(PHONE), &code, "pw").await,
                Err(UserError::BadVerifyCode)
            ),
            "three wrong guesses used up the code"
        );
        assert_eq!(world.store.users().user_for_phone(E164).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_code_works_once() {
        let world = world();
        let code = world.texted_code(PHONE).await;
        world.accounts.register(&phone(PHONE), &code, "pw").await.unwrap();
        assert!(matches!(
            world.accounts.reset_password(&phone(PHONE), &code, "new").await,
            Err(UserError::InvalidRequest)
        ));
    }

    #[tokio::test]
    async fn an_invalid_password_is_refused_without_using_the_code() {
        let world = world();
        let code = world.texted_code(PHONE).await;
        assert!(matches!(
            world.accounts.register(&phone(PHONE), &code, "").await,
            Err(UserError::InvalidRequest)
        ));
        world.accounts.register(&phone(PHONE), &code, "pw").await.unwrap();
    }

    #[tokio::test]
    async fn a_registered_phone_cannot_register_again() {
        let world = world();
        world.registered(PHONE, "pw").await;
        world.clock.advance(RESEND);
        let code = world.texted_code(E164).await;
        assert!(
            matches!(
                world.accounts.register(&phone(E164), &code, "pw").await,
                Err(UserError::PhoneTaken)
            ),
            "the same number in its E.164 form"
        );
    }

    #[tokio::test]
    async fn an_undelivered_code_is_withdrawn_so_the_phone_may_ask_again_at_once() {
        let world = world();
        world.outbox.fail_sends(true);
        assert!(matches!(
            world.accounts.request_code(&phone(PHONE), SOURCE).await,
            Err(UserError::Backend(_))
        ));
        world.outbox.fail_sends(false);
        let code = world.texted_code(PHONE).await;
        world.accounts.register(&phone(PHONE), &code, "pw").await.unwrap();
    }

    #[tokio::test]
    async fn codes_are_texted_only_to_allowed_countries() {
        let world = world();
        assert!(matches!(
            world.accounts.request_code(&phone("+14155550100"), SOURCE).await,
            Err(UserError::InvalidRequest)
        ));
        assert!(world.outbox.sms().is_empty());
    }

    #[tokio::test]
    async fn a_phone_must_wait_the_resend_interval_for_a_new_code() {
        let world = world();
        world.texted_code(PHONE).await;
        assert!(matches!(
            world.accounts.request_code(&phone(PHONE), SOURCE).await,
            Err(UserError::TooFrequent)
        ));
        world.clock.advance(RESEND);
        let code = world.texted_code(PHONE).await;
        assert_eq!(world.outbox.sms().len(), 2);
        world.accounts.register(&phone(PHONE), &code, "pw").await.unwrap();
    }

    #[tokio::test]
    async fn one_source_may_ask_for_only_so_many_codes_per_window() {
        let world = world();
        for n in 0..3 {
            world.texted_code(&format!("1380013800{n}")).await;
        }
        assert!(matches!(
            world.accounts.request_code(&phone("13800138009"), SOURCE).await,
            Err(UserError::TooFrequent)
        ));
        world
            .accounts
            .request_code(&phone("13800138009"), "198.51.100.1")
            .await
            .unwrap();
        world.clock.advance(Duration::from_secs(3600));
        world.texted_code("13800138008").await;
    }

    #[tokio::test]
    async fn the_right_password_logs_in_with_a_token_for_that_user() {
        let world = world();
        let id = world.registered(PHONE, "pw").await;
        let (user, token) = world.accounts.login(&phone(E164), "pw", HERE).await.unwrap();
        assert_eq!(user.id, id);
        assert_eq!(world.tokens.verify_login(&token).map(|claim| claim.user), Ok(id));
    }

    #[tokio::test]
    async fn a_wrong_password_is_incorrect() {
        let world = world();
        world.registered(PHONE, "pw").await;
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "not pw", HERE).await,
            Err(UserError::PasswordIncorrect)
        ));
    }

    #[tokio::test]
    async fn too_many_wrong_passwords_lock_the_phone_until_the_window_ends() {
        let world = world();
        world.registered(PHONE, "pw").await;
        for _ in 0..FAILED_LOGINS.max {
            assert!(matches!(
                world.accounts.login(&phone(PHONE), "guess", HERE).await,
                Err(UserError::PasswordIncorrect)
            ));
        }
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "pw", HERE).await,
            Err(UserError::TooFrequent)
        ));
        world
            .clock
            .advance(Duration::from_millis(FAILED_LOGINS.window_ms as u64));
        world.accounts.login(&phone(PHONE), "pw", HERE).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_phone_is_not_found() {
        let world = world();
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "pw", HERE).await,
            Err(UserError::UserNotFound)
        ));
    }

    #[tokio::test]
    async fn a_password_reset_with_a_code_replaces_the_password() {
        let world = world();
        world.registered(PHONE, "old").await;
        world.clock.advance(RESEND);
        let code = world.texted_code(PHONE).await;
        assert!(matches!(
            world.accounts.reset_password(&phone(PHONE), &wrong(&code), "new").await,
            Err(UserError::BadVerifyCode)
        ));
        world
            .accounts
            .reset_password(&phone(PHONE), &code, "new")
            .await
            .unwrap();
        world.accounts.login(&phone(PHONE), "new", HERE).await.unwrap();
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "old", HERE).await,
            Err(UserError::PasswordIncorrect)
        ));
    }

    #[tokio::test]
    async fn an_unknown_phone_cannot_reset_a_password() {
        let world = world();
        let code = world.texted_code(PHONE).await;
        assert!(matches!(
            world.accounts.reset_password(&phone(PHONE), &code, "new").await,
            Err(UserError::InvalidRequest)
        ));
    }

    async fn wrong_logins(world: &World, phone_number: &str, source: &str, count: u32) {
        for _ in 0..count {
            assert!(matches!(
                world.accounts.login(&phone(phone_number), "guess", source).await,
                Err(UserError::PasswordIncorrect)
            ));
        }
    }

    #[tokio::test]
    async fn one_address_cannot_lock_a_phone_for_the_others() {
        let world = world();
        world.registered(PHONE, "pw").await;
        wrong_logins(&world, PHONE, "10.6.6.6", FAILED_LOGINS.max).await;
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "pw", "10.6.6.6").await,
            Err(UserError::TooFrequent)
        ));
        world.accounts.login(&phone(PHONE), "pw", HERE).await.unwrap();
    }

    #[tokio::test]
    async fn wrong_logins_from_several_addresses_lock_the_phone_for_everyone() {
        let world = world();
        world.registered(PHONE, "pw").await;
        let mut left = FAILED_LOGINS_PER_PHONE.max;
        for address in 1.. {
            let from_here = left.min(FAILED_LOGINS.max);
            wrong_logins(&world, PHONE, &format!("10.6.6.{address}"), from_here).await;
            left -= from_here;
            if left == 0 {
                break;
            }
        }
        assert!(matches!(
            world.accounts.login(&phone(PHONE), "pw", HERE).await,
            Err(UserError::TooFrequent)
        ));
    }

    #[tokio::test]
    async fn one_address_guessing_many_phones_is_stopped() {
        let world = world();
        let phones = ["13800138001", "13800138002", "13800138003", "13800138004"];
        for (n, number) in (100..).zip(phones) {
            let user = User::registered(UserId::new(n), number, hash_password("pw"));
            world.store.add_user(user, phone(number).e164());
        }
        // Each phone within its own limit from this address; together, the address's limit.
        assert_eq!(phones.len() as u32 * FAILED_LOGINS.max, FAILED_LOGINS_PER_SOURCE.max);
        for number in phones {
            wrong_logins(&world, number, "10.6.6.6", FAILED_LOGINS.max).await;
        }
        assert!(matches!(
            world.accounts.login(&phone(phones[0]), "pw", "10.6.6.6").await,
            Err(UserError::TooFrequent)
        ));
        world.accounts.login(&phone(phones[0]), "pw", HERE).await.unwrap();
    }

    #[tokio::test]
    async fn right_logins_give_their_slots_back() {
        let world = world();
        world.registered(PHONE, "pw").await;
        for _ in 0..3 * FAILED_LOGINS.max {
            world.accounts.login(&phone(PHONE), "pw", HERE).await.unwrap();
        }
        wrong_logins(&world, PHONE, HERE, FAILED_LOGINS.max).await;
    }

    #[tokio::test]
    async fn wrong_logins_sent_at_once_are_judged_no_more_than_the_limit() {
        let world = world();
        world.registered(PHONE, "pw").await;
        let number = phone(PHONE);
        let attempts = (0..3 * FAILED_LOGINS.max).map(|_| world.accounts.login(&number, "guess", HERE));
        let outcomes = futures_util::future::join_all(attempts).await;
        let judged = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(UserError::PasswordIncorrect)))
            .count();
        let refused = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(UserError::TooFrequent)))
            .count();
        assert_eq!(
            (judged, refused),
            (FAILED_LOGINS.max as usize, 2 * FAILED_LOGINS.max as usize)
        );
    }

    #[tokio::test]
    async fn the_hourly_sms_budget_is_spent_only_by_requests_every_other_limit_let_through() {
        let world = world();
        let sources = ["10.7.0.1", "10.7.0.2"];
        for n in 0..SMS_PER_HOUR.max {
            let number = format!("1380013900{n}");
            let source = sources[n as usize % 2];
            world.accounts.request_code(&phone(&number), source).await.unwrap();
            // A resend too soon is refused by the phone's limit and spends nothing.
            assert!(matches!(
                world.accounts.request_code(&phone(&number), source).await,
                Err(UserError::TooFrequent)
            ));
        }
        let sent = world.outbox.sms().len();
        assert!(matches!(
            world.accounts.request_code(&phone("13800139009"), "10.7.0.3").await,
            Err(UserError::TooFrequent)
        ));
        assert_eq!(world.outbox.sms().len(), sent, "no SMS over the budget");
        world
            .clock
            .advance(Duration::from_millis(SMS_PER_HOUR.window_ms as u64));
        world
            .accounts
            .request_code(&phone("13800139009"), "10.7.0.3")
            .await
            .unwrap();
    }

    /// A user who logged in `RECENT_LOGIN` + 1 s ago, and when.
    async fn logged_in_a_while_ago(world: &World) -> (UserId, i64) {
        let id = world.registered(PHONE, "pw").await;
        let (_, token) = world.accounts.login(&phone(PHONE), "pw", HERE).await.unwrap();
        let logged_in_at_ms = world.tokens.verify_login(&token).unwrap().logged_in_at_ms;
        world.clock.advance(RECENT_LOGIN + Duration::from_secs(1));
        (id, logged_in_at_ms)
    }

    #[tokio::test]
    async fn a_recent_login_may_change_the_password_alone_and_an_older_one_needs_the_old_password() {
        let world = world();
        let id = world.registered(PHONE, "pw").await;
        let (_, token) = world.accounts.login(&phone(PHONE), "pw", HERE).await.unwrap();
        let logged_in_at_ms = world.tokens.verify_login(&token).unwrap().logged_in_at_ms;
        world.clock.advance(RECENT_LOGIN - Duration::from_secs(1));
        let change = |old| world.accounts.authorize_password_change(id, logged_in_at_ms, old);
        change(None).await.unwrap();
        world.clock.advance(Duration::from_secs(2));
        assert!(matches!(change(None).await, Err(UserError::OldPasswordRequired)));
        change(Some("pw")).await.unwrap();
    }

    #[tokio::test]
    async fn a_wrong_old_password_is_refused_even_from_a_recent_login() {
        let world = world();
        let id = world.registered(PHONE, "pw").await;
        let now = world.clock.now_ms();
        assert!(matches!(
            world.accounts.authorize_password_change(id, now, Some("guess")).await,
            Err(UserError::PasswordIncorrect)
        ));
    }

    #[tokio::test]
    async fn old_password_guesses_are_limited_like_logins_and_right_ones_give_their_place_back() {
        let world = world();
        let (id, logged_in_at_ms) = logged_in_a_while_ago(&world).await;
        let change = |old| world.accounts.authorize_password_change(id, logged_in_at_ms, old);
        for _ in 0..FAILED_LOGINS.max * 2 {
            change(Some("pw")).await.unwrap();
        }
        for _ in 0..FAILED_LOGINS.max {
            assert!(matches!(change(Some("guess")).await, Err(UserError::PasswordIncorrect)));
        }
        assert!(
            matches!(change(Some("pw")).await, Err(UserError::TooFrequent)),
            "the window is full, so not even the right password is judged"
        );
        world
            .clock
            .advance(Duration::from_millis(FAILED_LOGINS.window_ms as u64));
        change(Some("pw")).await.unwrap();
    }

    #[tokio::test]
    async fn one_address_may_spend_only_part_of_a_phones_codes() {
        let world = world();
        for _ in 0..CODES_PER_PHONE_PER_SOURCE.max {
            world.texted_code(PHONE).await;
            world.clock.advance(RESEND);
        }
        assert!(matches!(
            world.accounts.request_code(&phone(PHONE), SOURCE).await,
            Err(UserError::TooFrequent)
        ));
        world
            .accounts
            .request_code(&phone(PHONE), "198.51.100.9")
            .await
            .unwrap();
        // An hour on (the address's own window), it may ask for other phones, not this one.
        world.clock.advance(Duration::from_secs(3600));
        world
            .accounts
            .request_code(&phone("13800138009"), SOURCE)
            .await
            .unwrap();
        assert!(matches!(
            world.accounts.request_code(&phone(PHONE), SOURCE).await,
            Err(UserError::TooFrequent)
        ));
    }
}
