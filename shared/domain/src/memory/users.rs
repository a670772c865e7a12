//! The `users` and `phones` tables, as `foof_aws::DynamoUsers` writes them: a user and the
//! claim on their phone are created together, and a phone belongs to one account at most.

use super::{BATCH_GET_KEYS, InMemory, distinct_in_batches};
use crate::ids::UserId;
use crate::ports::{BackendResult, UserStore, Written};
use crate::user::{ProfileChanges, PublicProfile, User};
use async_trait::async_trait;

impl InMemory {
    /// Stores a user and claims their phone, as a successful `UserStore::create` does; the
    /// `users` sequence moves past the id so that a registration never collides with it.
    ///
    /// # Panics
    /// If the id or the phone is taken: the test set up an impossible world.
    pub fn add_user(&self, user: User, phone_e164: &str) {
        let mut tables = self.lock();
        assert!(
            !tables.users.contains_key(&user.id) && !tables.phones.contains_key(phone_e164),
            "add_user: user {} or phone {phone_e164} already exists",
            user.id
        );
        tables.issue_up_to("users", user.id.get());
        tables.phones.insert(phone_e164.to_owned(), user.id);
        tables.users.insert(user.id, user);
    }

    /// The user as stored now.
    pub fn user(&self, user: UserId) -> Option<User> {
        self.lock().users.get(&user).cloned()
    }
}

#[async_trait]
impl UserStore for InMemory {
    async fn get(&self, user: UserId) -> BackendResult<Option<User>> {
        Ok(self.user(user))
    }

    async fn public_profiles(&self, users: &[UserId]) -> BackendResult<Vec<PublicProfile>> {
        distinct_in_batches(users, BATCH_GET_KEYS, "BatchGetItem users")?;
        let tables = self.lock();
        Ok(users
            .iter()
            .filter_map(|id| tables.users.get(id))
            .map(|user| PublicProfile {
                id: user.id,
                username: user.username.clone(),
                info: user.info.clone(),
                address: user.address.clone(),
                score: user.score,
            })
            .collect())
    }

    async fn user_for_phone(&self, phone_e164: &str) -> BackendResult<Option<UserId>> {
        Ok(self.lock().phones.get(phone_e164).copied())
    }

    /// Refused when the phone or the user id is taken: the adapter puts both rows under
    /// `attribute_not_exists` in one transaction.
    async fn create(&self, user: &User, phone_e164: &str) -> BackendResult<Written> {
        let mut tables = self.lock();
        if tables.users.contains_key(&user.id) || tables.phones.contains_key(phone_e164) {
            return Ok(Written::Refused);
        }
        tables.phones.insert(phone_e164.to_owned(), user.id);
        tables.users.insert(user.id, user.clone());
        Ok(Written::Done)
    }

    async fn update_profile(&self, user: UserId, changes: &ProfileChanges) -> BackendResult<Written> {
        let mut tables = self.lock();
        let Some(stored) = tables.users.get_mut(&user) else {
            return Ok(Written::Refused);
        };
        let fields = [
            (&mut stored.username, &changes.username),
            (&mut stored.idcard, &changes.idcard),
            (&mut stored.studentid, &changes.studentid),
            (&mut stored.address, &changes.address),
            (&mut stored.info, &changes.info),
            (&mut stored.password_hash, &changes.password_hash),
        ];
        for (field, change) in fields {
            if let Some(value) = change {
                field.clone_from(value);
            }
        }
        if changes.password_hash.is_some() {
            stored.token_version += 1;
            stored.kept_login = changes.keep_login;
        }
        Ok(Written::Done)
    }

    async fn replace_avatar(&self, user: UserId, avatar_path: &str) -> BackendResult<Option<String>> {
        Ok(self
            .lock()
            .users
            .get_mut(&user)
            .map(|stored| std::mem::replace(&mut stored.avatarurl, avatar_path.to_owned())))
    }

    async fn request_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written> {
        let mut tables = self.lock();
        if !tables.users.contains_key(&user) {
            return Ok(Written::Refused);
        }
        tables.requested_idcards.insert(user, idcard.to_owned());
        Ok(Written::Done)
    }

    async fn confirm_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written> {
        let mut tables = self.lock();
        if tables.requested_idcards.get(&user).map(String::as_str) != Some(idcard) {
            return Ok(Written::Refused);
        }
        let Some(stored) = tables.users.get_mut(&user) else {
            return Ok(Written::Refused);
        };
        stored.idcard = idcard.to_owned();
        stored.verified_idcard = idcard.to_owned();
        tables.requested_idcards.remove(&user);
        Ok(Written::Done)
    }

    async fn suspend(&self, user: UserId, until_ms: i64) -> BackendResult<Written> {
        let mut tables = self.lock();
        let Some(stored) = tables.users.get_mut(&user) else {
            return Ok(Written::Refused);
        };
        if stored.suspended_until_ms.is_some_and(|longer| longer >= until_ms) {
            return Ok(Written::Done);
        }
        stored.suspended_until_ms = Some(until_ms);
        stored.token_version += 1;
        stored.kept_login = None;
        Ok(Written::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::fixtures::{phone, user, world};
    use crate::ports::BackendError;

    #[tokio::test]
    async fn a_phone_or_an_id_can_be_registered_once() {
        let world = world(1);
        let users = world.users();
        assert_eq!(users.create(&user(2), &phone(1)).await.unwrap(), Written::Refused);
        assert_eq!(users.create(&user(1), &phone(2)).await.unwrap(), Written::Refused);
        assert_eq!(
            users.user_for_phone(&phone(2)).await.unwrap(),
            None,
            "nothing was claimed"
        );
        assert_eq!(users.create(&user(2), &phone(2)).await.unwrap(), Written::Done);
        assert_eq!(
            world.ids().next_id("users").await.unwrap(),
            2,
            "add_user moved the sequence past user 1; create takes ids as given"
        );
        assert_eq!(users.user_for_phone(&phone(2)).await.unwrap(), Some(UserId::new(2)));
    }

    #[tokio::test]
    async fn profile_writes_need_the_user() {
        let world = world(1);
        let users = world.users();
        let (me, nobody) = (UserId::new(1), UserId::new(9));
        let changes = ProfileChanges {
            info: Some("hi".into()),
            ..ProfileChanges::default()
        };
        assert_eq!(users.update_profile(nobody, &changes).await.unwrap(), Written::Refused);
        assert_eq!(users.update_profile(me, &changes).await.unwrap(), Written::Done);
        assert_eq!(world.user(me).unwrap().info, "hi");
        assert_eq!(users.replace_avatar(nobody, "a.jpg").await.unwrap(), None);
        assert_eq!(
            users.replace_avatar(me, "a.jpg").await.unwrap().as_deref(),
            Some(crate::user::DEFAULT_AVATAR)
        );
        assert_eq!(
            users.confirm_idcard(nobody, "213170000").await.unwrap(),
            Written::Refused
        );
        assert_eq!(users.confirm_idcard(me, "213170000").await.unwrap(), Written::Refused);
        assert_eq!(users.request_idcard(me, "213170000").await.unwrap(), Written::Done);
        assert_eq!(users.confirm_idcard(me, "213170000").await.unwrap(), Written::Done);
        assert_eq!(world.user(me).unwrap().verified(), 1);
    }

    #[tokio::test]
    async fn public_profiles_skip_missing_users_and_refuse_duplicates() {
        let users = world(2).users();
        let ids = [UserId::new(2), UserId::new(7), UserId::new(1)];
        let mut found: Vec<i64> = users
            .public_profiles(&ids)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.get())
            .collect();
        found.sort_unstable();
        assert_eq!(found, [1, 2]);
        assert!(matches!(
            users.public_profiles(&[UserId::new(1), UserId::new(1)]).await,
            Err(BackendError::Unavailable(_))
        ));
    }
}
