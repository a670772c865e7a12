//! Whether a valid login token is still current: its user exists and its token version is the
//! user's (a password reset or change moves the version on, which ends every earlier token).
//!
//! The answer comes from the user's row, kept per container for a short while, so that a busy
//! user's requests do not each pay a read: a token ended elsewhere stops working here within
//! `recheck` (docs/reliability.md), and at once in the container that ended it.

use foof_domain::clock::Clock;
use foof_domain::ids::UserId;
use foof_domain::ports::{BackendResult, UserStore};
use foof_domain::tokens::LoginClaim;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Users remembered per container, at most: a flood of distinct users cannot grow memory.
const REMEMBERED: usize = 10_000;

/// What of a user decides whether one of its tokens is current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CurrentLogins {
    version: u32,
    kept: Option<i64>,
    /// No token is current before then: a suspended user's kept login (made by a password
    /// change that raced the suspension) is refused too.
    suspended_until: Option<i64>,
}

pub struct Sessions {
    users: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
    recheck_ms: i64,
    /// The user's current logins (`None`: no such user) and when they were read.
    known: Mutex<HashMap<UserId, (Option<CurrentLogins>, i64)>>,
}

impl Sessions {
    pub fn new(users: Arc<dyn UserStore>, clock: Arc<dyn Clock>, recheck: Duration) -> Self {
        Self {
            users,
            clock,
            recheck_ms: i64::try_from(recheck.as_millis()).unwrap_or(i64::MAX),
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the token's user exists and the token is one of its current logins: issued under
    /// the user's token version, or the login kept through the last password change.
    pub async fn current(&self, claim: LoginClaim) -> BackendResult<bool> {
        let now = self.clock.now_ms();
        // Versions only move on: a token newer than what is remembered (a login after a password
        // change elsewhere) means the memory is stale, not the token.
        let remembered = self
            .known()
            .get(&claim.user)
            .filter(|(_, read_at)| now - read_at < self.recheck_ms)
            .map(|(logins, _)| *logins)
            .filter(|logins| logins.is_none_or(|logins| claim.version <= logins.version));
        let logins = match remembered {
            Some(logins) => logins,
            None => {
                let logins = self.users.get(claim.user).await?.map(|user| CurrentLogins {
                    version: user.token_version,
                    kept: user.kept_login,
                    suspended_until: user.suspended_until_ms,
                });
                let mut known = self.known();
                if known.len() >= REMEMBERED {
                    known.clear();
                }
                known.insert(claim.user, (logins, now));
                logins
            }
        };
        Ok(logins.is_some_and(|logins| {
            let suspended = logins.suspended_until.is_some_and(|until| now < until);
            !suspended && (claim.version == logins.version || logins.kept == Some(claim.login))
        }))
    }

    /// Forgets what is known of `user` (its tokens just changed in this container).
    pub fn forget(&self, user: UserId) {
        self.known().remove(&user);
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, (Option<CurrentLogins>, i64)>> {
        // A panic while holding the map cannot leave it inconsistent: every entry is whole.
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::clock::ManualClock;
    use foof_domain::memory::InMemory;
    use foof_domain::user::{ProfileChanges, User};

    const ME: UserId = UserId::new(1);
    const RECHECK: Duration = Duration::from_secs(60);

    fn world() -> (InMemory, Arc<ManualClock>, Sessions) {
        let store = InMemory::new();
        store.add_user(User::registered(ME, "13800138001", "hash".into()), "+8613800138001");
        let clock = Arc::new(ManualClock::starting_now());
        let sessions = Sessions::new(store.users(), clock.clone(), RECHECK);
        (store, clock, sessions)
    }

    fn claim(user: UserId, version: u32) -> LoginClaim {
        LoginClaim {
            user,
            version,
            login: 1_000,
            logged_in_at_ms: 0,
        }
    }

    async fn new_password(store: &InMemory) {
        let changes = ProfileChanges {
            password_hash: Some("new hash".into()),
            ..ProfileChanges::default()
        };
        store.users().update_profile(ME, &changes).await.unwrap();
    }

    #[tokio::test]
    async fn a_token_of_the_users_version_is_current_and_others_are_not() {
        let (_, _, sessions) = world();
        assert!(sessions.current(claim(ME, 0)).await.unwrap());
        assert!(!sessions.current(claim(ME, 1)).await.unwrap());
        assert!(
            !sessions.current(claim(UserId::new(2), 0)).await.unwrap(),
            "no such user"
        );
    }

    #[tokio::test]
    async fn a_new_password_ends_old_tokens_here_at_once_when_forgotten_elsewhere_within_the_recheck() {
        let (store, clock, sessions) = world();
        let elsewhere = Sessions::new(store.users(), clock.clone(), RECHECK);
        assert!(sessions.current(claim(ME, 0)).await.unwrap());
        assert!(elsewhere.current(claim(ME, 0)).await.unwrap());
        new_password(&store).await;
        sessions.forget(ME);
        assert!(!sessions.current(claim(ME, 0)).await.unwrap());
        assert!(sessions.current(claim(ME, 1)).await.unwrap());
        assert!(
            elsewhere.current(claim(ME, 0)).await.unwrap(),
            "remembered until the recheck"
        );
        clock.advance(RECHECK);
        assert!(!elsewhere.current(claim(ME, 0)).await.unwrap());
    }

    #[tokio::test]
    async fn a_login_after_a_password_change_elsewhere_works_at_once() {
        let (store, _, sessions) = world();
        assert!(sessions.current(claim(ME, 0)).await.unwrap(), "remembers version 0");
        new_password(&store).await;
        assert!(sessions.current(claim(ME, 1)).await.unwrap(), "the new login's token");
        assert!(
            !sessions.current(claim(ME, 0)).await.unwrap(),
            "and the old one is now over"
        );
    }

    #[tokio::test]
    async fn no_token_of_a_suspended_user_is_current_not_even_a_kept_login() {
        let (store, clock, sessions) = world();
        let changes = ProfileChanges {
            password_hash: Some("new hash".into()),
            keep_login: Some(claim(ME, 0).login),
            ..ProfileChanges::default()
        };
        store.users().update_profile(ME, &changes).await.unwrap();
        let until = clock.now_ms() + 60_000;
        store.users().suspend(ME, until).await.unwrap();
        // A password change racing the suspension keeps its login; the suspension still holds.
        store.users().update_profile(ME, &changes).await.unwrap();
        sessions.forget(ME);
        assert!(!sessions.current(claim(ME, 0)).await.unwrap());
        assert!(!sessions.current(claim(ME, 2)).await.unwrap());
        clock.advance(Duration::from_secs(61));
        assert!(
            sessions.current(claim(ME, 2)).await.unwrap(),
            "over once the suspension ends"
        );
    }

    #[tokio::test]
    async fn the_login_that_changed_the_password_is_kept_until_a_reset() {
        let (store, _, sessions) = world();
        let changed_by = claim(ME, 0);
        let other = LoginClaim {
            login: 2_000,
            ..changed_by
        };
        let changes = ProfileChanges {
            password_hash: Some("new hash".into()),
            keep_login: Some(changed_by.login),
            ..ProfileChanges::default()
        };
        store.users().update_profile(ME, &changes).await.unwrap();
        assert!(sessions.current(changed_by).await.unwrap());
        assert!(!sessions.current(other).await.unwrap());
        new_password(&store).await;
        sessions.forget(ME);
        assert!(!sessions.current(changed_by).await.unwrap(), "a reset keeps no login");
    }
}
