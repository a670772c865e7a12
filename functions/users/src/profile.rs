//! Profiles: reading, editing, the avatar, and a user's item lists.

use crate::accounts::hash_off_thread;
use crate::error::UserError;
use foof_domain::ids::UserId;
use foof_domain::images::sanitize;
use foof_domain::item::Item;
use foof_domain::ports::{ItemStore, ObjectStore, UserStore, Written};
use foof_domain::user::{DEFAULT_AVATAR, ProfileChanges, User};
use std::sync::Arc;

pub struct Profiles {
    users: Arc<dyn UserStore>,
    items: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
}

impl Profiles {
    pub fn new(users: Arc<dyn UserStore>, items: Arc<dyn ItemStore>, objects: Arc<dyn ObjectStore>) -> Self {
        Self { users, items, objects }
    }

    pub async fn public_profile(&self, user: UserId) -> Result<User, UserError> {
        self.users.get(user).await?.ok_or(UserError::NoSuchUser)
    }

    /// The token's own user; a token whose user is gone is refused.
    pub async fn own_profile(&self, user: UserId) -> Result<User, UserError> {
        self.users.get(user).await?.ok_or(UserError::Forbidden)
    }

    /// Applies checked `changes`, and `new_password` (hashed here) if given. A new password
    /// ends every other login of the user; the one making the change (`login`, its token's
    /// login id) keeps working, since the client goes on with it.
    pub async fn modify(
        &self,
        user: UserId,
        login: i64,
        mut changes: ProfileChanges,
        new_password: Option<String>,
    ) -> Result<(), UserError> {
        if let Some(password) = new_password {
            changes.password_hash = Some(hash_off_thread(&password).await);
            changes.keep_login = Some(login);
        }
        match self.users.update_profile(user, &changes).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(UserError::Forbidden),
        }
    }

    /// Stores exactly one image as `image/avatar/{uuid}.{ext}`, without its metadata, and points
    /// the profile at it. The object is written before the profile, so the profile never names a
    /// missing file.
    pub async fn replace_avatar(&self, user: UserId, uploads: &[&[u8]]) -> Result<String, UserError> {
        let [upload] = uploads else {
            return Err(UserError::InvalidRequest);
        };
        let image = sanitize(upload).map_err(|_| UserError::InvalidRequest)?;
        let path = format!("image/avatar/{user}.{}", image.kind.extension());
        self.objects
            .put(&path, image.bytes.into(), image.kind.content_type())
            .await?;
        let Some(previous) = self.users.replace_avatar(user, &path).await? else {
            self.objects.delete(&path).await?;
            return Err(UserError::Forbidden);
        };
        if previous != path
            && previous != DEFAULT_AVATAR
            && previous.starts_with("image/avatar/")
            && let Err(error) = self.objects.delete(&previous).await
        {
            tracing::warn!(%error, "old avatar left in the bucket");
        }
        Ok(path)
    }

    /// A user's items that are not deleted, in id order.
    pub async fn published(&self, owner: UserId) -> Result<Vec<Item>, UserError> {
        Ok(self.items.published_by(owner).await?)
    }

    /// Items reserved for or sold to `buyer`.
    pub async fn finished(&self, buyer: UserId) -> Result<Vec<Item>, UserError> {
        Ok(self.items.bought_by(buyer).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::ids::ItemId;
    use foof_domain::item::{DEFAULT_IMAGE, Sold};
    use foof_domain::memory::{InMemory, Objects};
    use foof_domain::password::verify_password;

    const PHOTO: &[u8] = include_bytes!("../../../shared/fixtures/photo.jpg");
    const PNG: &[u8] = include_bytes!("../../../shared/fixtures/with-text.png");
    const ME: UserId = UserId::new(1);
    const YOU: UserId = UserId::new(2);
    const NOBODY: UserId = UserId::new(99);

    /// Users 1 and 2; the bucket holds the default avatar.
    async fn world() -> (InMemory, Objects, Profiles) {
        let world = InMemory::new();
        for id in [ME, YOU] {
            let user = User::registered(id, &format!("1380013800{id}"), String::new());
            world.add_user(user, &format!("+861380013800{id}"));
        }
        let objects = Objects::new();
        objects
            .store()
            .put(DEFAULT_AVATAR, PHOTO.into(), "image/jpeg")
            .await
            .unwrap();
        let profiles = Profiles::new(world.users(), world.items(), objects.store());
        (world, objects, profiles)
    }

    fn item(id: i64, owner: UserId, sold: Sold, buyer: Option<UserId>, deleted: bool) -> Item {
        Item {
            id: ItemId::new(id),
            owner,
            title: "台灯".into(),
            category: 5,
            price: 15.0,
            images: DEFAULT_IMAGE.into(),
            condition: 70,
            note: "桃园".into(),
            sold,
            buyer,
            deleted,
            hidden: None,
        }
    }

    #[tokio::test]
    async fn a_missing_user_has_no_public_profile_and_no_own_profile() {
        let (_, _, profiles) = world().await;
        assert_eq!(profiles.public_profile(YOU).await.unwrap().id, YOU);
        assert_eq!(profiles.own_profile(ME).await.unwrap().id, ME);
        assert!(matches!(
            profiles.public_profile(NOBODY).await,
            Err(UserError::NoSuchUser)
        ));
        assert!(matches!(profiles.own_profile(NOBODY).await, Err(UserError::Forbidden)));
    }

    #[tokio::test]
    async fn modify_applies_the_changes_and_hashes_a_new_password() {
        let (world, _, profiles) = world().await;
        let changes = ProfileChanges {
            username: Some("咸鱼".into()),
            ..ProfileChanges::default()
        };
        profiles.modify(ME, 1_000, changes, Some("new".into())).await.unwrap();
        let me = world.user(ME).unwrap();
        assert_eq!(me.username, "咸鱼");
        assert!(verify_password("new", &me.password_hash));
        assert_eq!(
            (me.token_version, me.kept_login),
            (1, Some(1_000)),
            "other logins end, the one making the change stays"
        );
        assert_eq!(
            world.user(YOU).unwrap().username,
            User::registered(YOU, "", String::new()).username
        );
    }

    #[tokio::test]
    async fn a_missing_user_cannot_modify() {
        let (_, _, profiles) = world().await;
        assert!(matches!(
            profiles.modify(NOBODY, 1_000, ProfileChanges::default(), None).await,
            Err(UserError::Forbidden)
        ));
    }

    #[tokio::test]
    async fn a_new_avatar_replaces_the_old_one_but_never_the_default() {
        let (world, objects, profiles) = world().await;
        assert_eq!(
            profiles.replace_avatar(ME, &[PHOTO]).await.unwrap(),
            "image/avatar/1.jpg"
        );
        assert_eq!(world.user(ME).unwrap().avatarurl, "image/avatar/1.jpg");
        assert_eq!(objects.keys(), ["image/avatar/1.jpg", DEFAULT_AVATAR]);
        assert_eq!(profiles.replace_avatar(ME, &[PNG]).await.unwrap(), "image/avatar/1.png");
        assert_eq!(objects.keys(), ["image/avatar/1.png", DEFAULT_AVATAR]);
        let stored = objects.store().get("image/avatar/1.png").await.unwrap().unwrap();
        assert_eq!(stored.content_type, "image/png");
        assert_eq!(
            stored.bytes,
            sanitize(PNG).unwrap().bytes,
            "stored without its metadata"
        );
        profiles.replace_avatar(ME, &[PNG]).await.unwrap();
        assert_eq!(
            objects.keys(),
            ["image/avatar/1.png", DEFAULT_AVATAR],
            "the same name is kept"
        );
    }

    #[tokio::test]
    async fn an_avatar_is_exactly_one_image() {
        let (world, objects, profiles) = world().await;
        for uploads in [&[][..], &[PHOTO, PNG], &[b"not an image"]] {
            assert!(matches!(
                profiles.replace_avatar(ME, uploads).await,
                Err(UserError::InvalidRequest)
            ));
        }
        assert_eq!(world.user(ME).unwrap().avatarurl, DEFAULT_AVATAR);
        assert_eq!(objects.keys(), [DEFAULT_AVATAR]);
    }

    #[tokio::test]
    async fn a_missing_user_gets_no_avatar_and_leaves_no_object() {
        let (_, objects, profiles) = world().await;
        assert!(matches!(
            profiles.replace_avatar(NOBODY, &[PHOTO]).await,
            Err(UserError::Forbidden)
        ));
        assert_eq!(objects.keys(), [DEFAULT_AVATAR]);
    }

    #[tokio::test]
    async fn an_avatar_that_cannot_be_stored_leaves_the_profile_as_it_was() {
        let (world, objects, profiles) = world().await;
        objects.fail_puts(true);
        assert!(matches!(
            profiles.replace_avatar(ME, &[PHOTO]).await,
            Err(UserError::Backend(_))
        ));
        assert_eq!(world.user(ME).unwrap().avatarurl, DEFAULT_AVATAR);
    }

    #[tokio::test]
    async fn published_lists_the_owners_live_items_and_finished_the_buyers() {
        let (world, _, profiles) = world().await;
        let items = [
            item(1, ME, Sold::OnSale, None, false),
            item(2, ME, Sold::Reserved, Some(YOU), false),
            item(3, ME, Sold::Sold, Some(YOU), true),
            item(4, YOU, Sold::Got, Some(ME), false),
            item(5, ME, Sold::Sold, Some(YOU), false),
        ];
        for item in items {
            world.add_item(item);
        }
        let ids = |items: Vec<Item>| items.iter().map(|i| i.id.get()).collect::<Vec<_>>();
        assert_eq!(ids(profiles.published(ME).await.unwrap()), [1, 2, 5]);
        assert_eq!(ids(profiles.published(YOU).await.unwrap()), [4]);
        assert_eq!(ids(profiles.finished(YOU).await.unwrap()), [2, 5]);
        assert_eq!(ids(profiles.finished(ME).await.unwrap()), [4]);
        assert!(profiles.published(NOBODY).await.unwrap().is_empty());
    }
}
