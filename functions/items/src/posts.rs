//! Posting, editing and deleting items.

use crate::error::ItemError;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::item::{Item, ItemDetails};
use foof_domain::ports::{Created, FavoriteStore, ItemStore, OwnerWrite};
use std::sync::Arc;

/// The use cases on posts, over the stores they touch.
pub struct Posts {
    items: Arc<dyn ItemStore>,
    favorites: Arc<dyn FavoriteStore>,
}

impl Posts {
    pub fn new(items: Arc<dyn ItemStore>, favorites: Arc<dyn FavoriteStore>) -> Self {
        Self { items, favorites }
    }

    pub async fn get(&self, item: ItemId) -> Result<Option<Item>, ItemError> {
        Ok(self.items.get(item).await?)
    }

    /// A new sell (`sold` 1) or want (`sold` -1) post with every detail given.
    pub async fn add(&self, owner: UserId, details: ItemDetails, sold: i64) -> Result<Item, ItemError> {
        let draft = Item::new_post(ItemId::new(0), owner, details, sold)?;
        match self.items.create(&draft).await? {
            Created::Done(id) => Ok(Item { id, ..draft }),
            Created::Refused => Err(ItemError::Forbidden),
        }
    }

    pub async fn modify(&self, owner: UserId, item: ItemId, details: &ItemDetails) -> Result<(), ItemError> {
        details.validate()?;
        match self.items.update_details(item, owner, details).await? {
            OwnerWrite::Done => Ok(()),
            OwnerWrite::NotOwner => Err(ItemError::ModifyRefused("Insufficient permissions")),
            OwnerWrite::Missing | OwnerWrite::Stale => Err(ItemError::ModifyRefused("no such item")),
        }
    }

    /// The owner renews a listing: an expired one is back on offer, a live one's age starts again.
    pub async fn renew(&self, owner: UserId, item: ItemId) -> Result<(), ItemError> {
        match self.items.renew(item, owner).await? {
            OwnerWrite::Done => Ok(()),
            OwnerWrite::NotOwner => Err(ItemError::NotOwner),
            OwnerWrite::Missing | OwnerWrite::Stale => Err(ItemError::NoSuchItem),
        }
    }

    /// Soft delete: the item stays readable (flagged), its images stay, and it leaves everyone's
    /// favourites.
    pub async fn delete(&self, owner: UserId, item: ItemId) -> Result<(), ItemError> {
        match self.items.mark_deleted(item, owner).await? {
            OwnerWrite::Done => Ok(self.favorites.remove_item_everywhere(item).await?),
            OwnerWrite::NotOwner => Err(ItemError::NotOwner),
            OwnerWrite::Missing | OwnerWrite::Stale => Err(ItemError::NoSuchItem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::item::{DEFAULT_IMAGE, Sold};
    use foof_domain::memory::InMemory;
    use foof_domain::user::User;

    const OWNER: UserId = UserId::new(1);
    const FAN: UserId = UserId::new(2);
    const NOBODY: UserId = UserId::new(99);
    const MISSING: ItemId = ItemId::new(404);

    /// Users 1 and 2, no items.
    fn world() -> (InMemory, Posts) {
        let world = InMemory::new();
        for id in [OWNER, FAN] {
            let user = User::registered(id, &format!("1380013800{id}"), String::new());
            world.add_user(user, &format!("+861380013800{id}"));
        }
        let posts = Posts::new(world.items(), world.favorites());
        (world, posts)
    }

    fn details() -> ItemDetails {
        ItemDetails {
            title: Some("九成新 小米充电宝".into()),
            category: Some(1),
            price: Some(35.5),
            condition: Some(90),
            note: Some("T,九龙湖".into()),
        }
    }

    async fn added(posts: &Posts) -> ItemId {
        posts.add(OWNER, details(), 1).await.unwrap().id
    }

    #[tokio::test]
    async fn add_assigns_the_next_id_the_default_image_and_no_buyer() {
        let (world, posts) = world();
        let sell = posts.add(OWNER, details(), 1).await.unwrap();
        let want = posts.add(OWNER, details(), -1).await.unwrap();
        assert_eq!((sell.id, want.id), (ItemId::new(1), ItemId::new(2)));
        assert_eq!((sell.sold, want.sold), (Sold::OnSale, Sold::Wanted));
        for item in [&sell, &want] {
            assert_eq!(
                (item.owner, item.images.as_str(), item.buyer),
                (OWNER, DEFAULT_IMAGE, None)
            );
            assert!(!item.deleted);
            assert_eq!(
                world.item(item.id).as_ref(),
                Some(item),
                "what add returns is what it stored"
            );
            assert_eq!(posts.get(item.id).await.unwrap().as_ref(), Some(item));
        }
        assert_eq!(sell.title, "九成新 小米充电宝");
    }

    #[tokio::test]
    async fn an_owner_that_does_not_exist_cannot_add() {
        let (world, posts) = world();
        assert!(matches!(
            posts.add(NOBODY, details(), 1).await,
            Err(ItemError::Forbidden)
        ));
        assert_eq!(world.ids().issued("items").await.unwrap(), 0, "no id was used");
        assert!(posts.get(ItemId::new(1)).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_post_with_invalid_or_missing_details_is_refused() {
        let (world, posts) = world();
        let invalid = [
            ItemDetails {
                title: Some("  ".into()),
                ..details()
            },
            ItemDetails {
                category: Some(9),
                ..details()
            },
            ItemDetails {
                price: Some(-1.0),
                ..details()
            },
            ItemDetails {
                condition: Some(101),
                ..details()
            },
            ItemDetails {
                note: None,
                ..details()
            },
        ];
        for details in invalid {
            assert!(
                matches!(
                    posts.add(OWNER, details.clone(), 1).await,
                    Err(ItemError::InvalidRequest)
                ),
                "{details:?}"
            );
        }
        assert_eq!(world.ids().issued("items").await.unwrap(), 0);
    }

    #[tokio::test]
    async fn only_sell_and_want_posts_can_be_added() {
        let (world, posts) = world();
        for sold in [0, 2, 3, -2, -3, 7] {
            assert!(
                matches!(posts.add(OWNER, details(), sold).await, Err(ItemError::InvalidRequest)),
                "sold {sold}"
            );
        }
        assert_eq!(world.ids().issued("items").await.unwrap(), 0);
    }

    #[tokio::test]
    async fn modify_changes_only_the_given_details() {
        let (world, posts) = world();
        let item = added(&posts).await;
        let changes = ItemDetails {
            price: Some(20.0),
            note: Some("四牌楼".into()),
            ..ItemDetails::default()
        };
        posts.modify(OWNER, item, &changes).await.unwrap();
        let stored = world.item(item).unwrap();
        assert_eq!((stored.price, stored.note.as_str()), (20.0, "四牌楼"));
        assert_eq!((stored.title.as_str(), stored.category), ("九成新 小米充电宝", 1));
    }

    #[tokio::test]
    async fn modify_refuses_invalid_details() {
        let (world, posts) = world();
        let item = added(&posts).await;
        let changes = ItemDetails {
            price: Some(f64::NAN),
            ..ItemDetails::default()
        };
        assert!(matches!(
            posts.modify(OWNER, item, &changes).await,
            Err(ItemError::InvalidRequest)
        ));
        assert_eq!(world.item(item).unwrap().price, 35.5);
    }

    #[tokio::test]
    async fn only_the_owner_may_modify() {
        let (world, posts) = world();
        let item = added(&posts).await;
        let changes = ItemDetails {
            title: Some("mine now".into()),
            ..ItemDetails::default()
        };
        assert!(matches!(
            posts.modify(FAN, item, &changes).await,
            Err(ItemError::ModifyRefused("Insufficient permissions"))
        ));
        assert_eq!(world.item(item).unwrap().title, "九成新 小米充电宝");
    }

    #[tokio::test]
    async fn a_missing_or_deleted_item_cannot_be_modified() {
        let (_, posts) = world();
        let item = added(&posts).await;
        posts.delete(OWNER, item).await.unwrap();
        let changes = ItemDetails {
            price: Some(1.0),
            ..ItemDetails::default()
        };
        for item in [item, MISSING] {
            assert!(matches!(
                posts.modify(OWNER, item, &changes).await,
                Err(ItemError::ModifyRefused("no such item"))
            ));
        }
    }

    #[tokio::test]
    async fn delete_flags_the_item_and_removes_it_from_everyones_favourites() {
        let (world, posts) = world();
        let (item, kept) = (added(&posts).await, added(&posts).await);
        for user in [OWNER, FAN] {
            world.favorites().add(user, &[item, kept]).await.unwrap();
        }
        posts.delete(OWNER, item).await.unwrap();
        assert!(
            posts.get(item).await.unwrap().unwrap().deleted,
            "still readable, flagged"
        );
        for user in [OWNER, FAN] {
            let favourites = world.favorites().list(user).await.unwrap();
            assert_eq!(favourites.iter().map(|f| f.item).collect::<Vec<_>>(), [kept]);
        }
    }

    #[tokio::test]
    async fn deleting_twice_is_fine() {
        let (world, posts) = world();
        let item = added(&posts).await;
        posts.delete(OWNER, item).await.unwrap();
        posts.delete(OWNER, item).await.unwrap();
        assert!(world.item(item).unwrap().deleted);
    }

    #[tokio::test]
    async fn only_the_owner_may_delete() {
        let (world, posts) = world();
        let item = added(&posts).await;
        world.favorites().add(FAN, &[item]).await.unwrap();
        assert!(matches!(posts.delete(FAN, item).await, Err(ItemError::NotOwner)));
        assert!(!world.item(item).unwrap().deleted);
        assert_eq!(world.favorites().list(FAN).await.unwrap().len(), 1, "favourites kept");
        posts.delete(OWNER, item).await.unwrap();
        assert!(
            matches!(posts.delete(FAN, item).await, Err(ItemError::NoSuchItem)),
            "a deleted item is gone for everyone else"
        );
    }

    #[tokio::test]
    async fn a_missing_item_cannot_be_deleted_and_is_not_found() {
        let (_, posts) = world();
        assert!(matches!(posts.delete(OWNER, MISSING).await, Err(ItemError::NoSuchItem)));
        assert!(posts.get(MISSING).await.unwrap().is_none());
    }
}
