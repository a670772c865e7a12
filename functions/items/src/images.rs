//! `/item/image`: replaces an item's pictures. New objects are written under fresh names
//! first, `imgurl` is switched in one conditional write, and only then are the old objects
//! removed, so a failure at any step leaves the old pictures and `imgurl` intact.

use crate::error::ItemError;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::images::{CleanImage, sanitize};
use foof_domain::item::{MAX_IMAGES, join_image_paths};
use foof_domain::ports::{ItemStore, ObjectStore, OwnerWrite};
use futures_util::future::{join_all, try_join_all};
use std::sync::Arc;

/// `/item/image`, over the item store and the bucket.
pub struct ItemImages {
    items: Arc<dyn ItemStore>,
    objects: Arc<dyn ObjectStore>,
}

/// The first picture number not used by the item's current pictures.
fn next_number(prefix: &str, current: &[&str]) -> u64 {
    current
        .iter()
        .filter_map(|path| path.strip_prefix(prefix)?.split('.').next()?.parse::<u64>().ok())
        .max()
        .map_or(0, |n| n + 1)
}

impl ItemImages {
    pub fn new(items: Arc<dyn ItemStore>, objects: Arc<dyn ObjectStore>) -> Self {
        Self { items, objects }
    }

    async fn delete_quietly(&self, paths: &[String]) {
        for result in join_all(paths.iter().map(|path| self.objects.delete(path))).await {
            if let Err(error) = result {
                tracing::warn!(%error, "an unused item image was left in the bucket");
            }
        }
    }

    /// Replaces the pictures of `owner`'s item with `uploads` (each file's bytes, in order);
    /// returns the new paths.
    pub async fn replace(&self, owner: UserId, item: ItemId, uploads: &[&[u8]]) -> Result<Vec<String>, ItemError> {
        if uploads.is_empty() || uploads.len() > MAX_IMAGES {
            return Err(ItemError::InvalidRequest);
        }
        let images: Vec<CleanImage> = uploads
            .iter()
            .map(|bytes| sanitize(bytes))
            .collect::<Result<_, _>>()
            .map_err(|_| ItemError::InvalidRequest)?;
        let current = self
            .items
            .get(item)
            .await?
            .filter(|current| !current.deleted)
            .ok_or(ItemError::NoSuchItem)?;
        if current.owner != owner {
            return Err(ItemError::NotOwner);
        }
        let prefix = format!("image/item/{owner}-{item}-");
        let current_paths: Vec<&str> = current.image_paths();
        // Numbers claimed in the store, not just read: an upload racing this one gets others,
        // so neither can overwrite or clean up the other's pictures.
        let claimed = self
            .items
            .claim_picture_numbers(item, owner, next_number(&prefix, &current_paths), images.len() as u64)
            .await?;
        let first = match claimed {
            Ok(first) => first,
            Err(OwnerWrite::NotOwner) => return Err(ItemError::NotOwner),
            Err(_) => return Err(ItemError::NoSuchItem),
        };
        let paths: Vec<String> = images
            .iter()
            .zip(first..)
            .map(|(image, number)| format!("{prefix}{number}.{}", image.kind.extension()))
            .collect();

        let uploads = images
            .into_iter()
            .zip(&paths)
            .map(|(image, path)| self.objects.put(path, image.bytes.into(), image.kind.content_type()));
        if let Err(error) = try_join_all(uploads).await {
            self.delete_quietly(&paths).await;
            return Err(error.into());
        }
        let switched = self
            .items
            .replace_images(item, owner, &current.images, &join_image_paths(&paths))
            .await;
        let refusal = match switched {
            Ok(OwnerWrite::Done) => None,
            Ok(OwnerWrite::NotOwner) => Some(ItemError::NotOwner),
            Ok(OwnerWrite::Missing) => Some(ItemError::NoSuchItem),
            Ok(OwnerWrite::Stale) => Some(ItemError::InvalidRequest),
            Err(error) => Some(error.into()),
        };
        if let Some(error) = refusal {
            self.delete_quietly(&paths).await;
            return Err(error);
        }
        let old: Vec<String> = current_paths
            .iter()
            .filter(|p| p.starts_with(&prefix))
            .map(|p| p.to_string())
            .collect();
        self.delete_quietly(&old).await;
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::item::{DEFAULT_IMAGE, Item, Sold};
    use foof_domain::memory::{InMemory, Objects};
    use foof_domain::ports::{BackendResult, StoredObject};
    use foof_domain::user::User;

    const PHOTO: &[u8] = include_bytes!("../../../shared/fixtures/photo.jpg");
    const PNG: &[u8] = include_bytes!("../../../shared/fixtures/with-text.png");
    const GIF: &[u8] = include_bytes!("../../../shared/fixtures/with-comment.gif");
    const OWNER: UserId = UserId::new(1);
    const OTHER: UserId = UserId::new(2);
    const ITEM: ItemId = ItemId::new(10);
    /// Another item of the owner's, with a picture of its own.
    const SIBLING: ItemId = ItemId::new(11);
    const SIBLING_PICTURE: &str = "image/item/1-11-0.jpg";

    fn post(id: ItemId, images: &str) -> Item {
        Item {
            id,
            owner: OWNER,
            title: "自行车".into(),
            category: 3,
            price: 100.0,
            images: images.into(),
            condition: 80,
            note: "九龙湖".into(),
            sold: Sold::OnSale,
            buyer: None,
            deleted: false,
            hidden: None,
        }
    }

    /// Users 1 and 2; the owner's item 10 with the default image and item 11 with a picture;
    /// the bucket holds the default image and item 11's picture.
    async fn world() -> (InMemory, Objects, ItemImages) {
        let world = InMemory::new();
        for id in [OWNER, OTHER] {
            let user = User::registered(id, &format!("1380013800{id}"), String::new());
            world.add_user(user, &format!("+861380013800{id}"));
        }
        world.add_item(post(ITEM, DEFAULT_IMAGE));
        world.add_item(post(SIBLING, &join_image_paths(&[SIBLING_PICTURE.into()])));
        let objects = Objects::new();
        for key in [DEFAULT_IMAGE, SIBLING_PICTURE] {
            objects.store().put(key, PHOTO.into(), "image/jpeg").await.unwrap();
        }
        let images = ItemImages::new(world.items(), objects.store());
        (world, objects, images)
    }

    fn images_of(world: &InMemory) -> String {
        world.item(ITEM).unwrap().images
    }

    fn keys(paths: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = [DEFAULT_IMAGE, SIBLING_PICTURE]
            .iter()
            .chain(paths)
            .map(|k| k.to_string())
            .collect();
        keys.sort();
        keys
    }

    #[tokio::test]
    async fn new_pictures_are_stored_clean_and_become_the_items_images() {
        let (world, objects, images) = world().await;
        let paths = images.replace(OWNER, ITEM, &[PHOTO, PNG]).await.unwrap();
        assert_eq!(paths, ["image/item/1-10-0.jpg", "image/item/1-10-1.png"]);
        assert_eq!(images_of(&world), "image/item/1-10-0.jpg++image/item/1-10-1.png++");
        assert_eq!(
            objects.keys(),
            keys(&["image/item/1-10-0.jpg", "image/item/1-10-1.png"])
        );
        let stored = objects.store().get(&paths[1]).await.unwrap().unwrap();
        assert_eq!(stored.content_type, "image/png");
        assert_eq!(
            stored.bytes,
            sanitize(PNG).unwrap().bytes,
            "stored without its metadata"
        );
    }

    #[tokio::test]
    async fn replacing_deletes_the_items_old_pictures_but_not_the_default_image() {
        let (world, objects, images) = world().await;
        images.replace(OWNER, ITEM, &[PHOTO, PNG]).await.unwrap();
        let paths = images.replace(OWNER, ITEM, &[GIF]).await.unwrap();
        assert_eq!(paths, ["image/item/1-10-2.gif"], "new names, never a current one");
        assert_eq!(images_of(&world), "image/item/1-10-2.gif++");
        assert_eq!(objects.keys(), keys(&["image/item/1-10-2.gif"]));
    }

    #[tokio::test]
    async fn a_file_that_is_not_an_image_is_refused_and_nothing_is_stored() {
        let (world, objects, images) = world().await;
        for upload in [&b"GIF89a but not really"[..], b"plain text"] {
            assert!(matches!(
                images.replace(OWNER, ITEM, &[PHOTO, upload]).await,
                Err(ItemError::InvalidRequest)
            ));
        }
        assert_eq!(images_of(&world), DEFAULT_IMAGE);
        assert_eq!(objects.keys(), keys(&[]));
    }

    #[tokio::test]
    async fn one_to_nine_pictures_are_accepted() {
        let (world, objects, images) = world().await;
        for uploads in [vec![], vec![PHOTO; MAX_IMAGES + 1]] {
            assert!(matches!(
                images.replace(OWNER, ITEM, &uploads).await,
                Err(ItemError::InvalidRequest)
            ));
        }
        assert_eq!(images_of(&world), DEFAULT_IMAGE);
        assert_eq!(objects.keys(), keys(&[]));
        let paths = images.replace(OWNER, ITEM, &[PHOTO; MAX_IMAGES]).await.unwrap();
        assert_eq!(paths.len(), MAX_IMAGES);
        assert_eq!(paths.last().unwrap(), "image/item/1-10-8.jpg");
    }

    #[tokio::test]
    async fn only_the_owner_may_replace_the_pictures() {
        let (world, objects, images) = world().await;
        assert!(matches!(
            images.replace(OTHER, ITEM, &[PHOTO]).await,
            Err(ItemError::NotOwner)
        ));
        assert_eq!(images_of(&world), DEFAULT_IMAGE);
        assert_eq!(objects.keys(), keys(&[]));
    }

    #[tokio::test]
    async fn a_missing_or_deleted_item_gets_no_pictures() {
        let (world, objects, images) = world().await;
        world.items().mark_deleted(SIBLING, OWNER).await.unwrap();
        for item in [SIBLING, ItemId::new(404)] {
            assert!(matches!(
                images.replace(OWNER, item, &[PHOTO]).await,
                Err(ItemError::NoSuchItem)
            ));
        }
        assert_eq!(objects.keys(), keys(&[]));
    }

    #[tokio::test]
    async fn an_upload_that_fails_part_way_leaves_the_item_and_the_bucket_as_they_were() {
        let (world, objects, images) = world().await;
        images.replace(OWNER, ITEM, &[PHOTO]).await.unwrap();
        objects.fail_puts_after(1);
        assert!(matches!(
            images.replace(OWNER, ITEM, &[PNG, GIF, PHOTO]).await,
            Err(ItemError::Backend(_))
        ));
        assert_eq!(images_of(&world), "image/item/1-10-0.jpg++");
        assert_eq!(
            objects.keys(),
            keys(&["image/item/1-10-0.jpg"]),
            "no new object left behind"
        );
    }

    #[test]
    fn new_pictures_never_reuse_a_current_name() {
        let prefix = "image/item/3-7-";
        assert_eq!(next_number(prefix, &[]), 0);
        assert_eq!(next_number(prefix, &["image/item/default.jpg"]), 0);
        assert_eq!(
            next_number(prefix, &["image/item/3-7-0.jpg", "image/item/3-7-1.png"]),
            2
        );
        assert_eq!(
            next_number(prefix, &["image/item/3-7-4.jpg", "image/item/9-7-9.jpg"]),
            5
        );
    }

    /// The bucket, yielding once per put: two uploads then interleave as they do on AWS.
    struct YieldingPuts(Arc<dyn ObjectStore>);

    #[async_trait::async_trait]
    impl ObjectStore for YieldingPuts {
        async fn put(&self, key: &str, bytes: bytes::Bytes, content_type: &str) -> BackendResult<()> {
            tokio::task::yield_now().await;
            self.0.put(key, bytes, content_type).await
        }
        async fn get(&self, key: &str) -> BackendResult<Option<StoredObject>> {
            self.0.get(key).await
        }
        async fn delete(&self, key: &str) -> BackendResult<()> {
            self.0.delete(key).await
        }
    }

    #[tokio::test]
    async fn racing_uploads_never_share_a_name_and_the_loser_removes_only_its_own() {
        let (world, objects, _) = world().await;
        let images = ItemImages::new(world.items(), Arc::new(YieldingPuts(objects.store())));
        let (first, second) = tokio::join!(
            images.replace(OWNER, ITEM, &[PHOTO, PNG]),
            images.replace(OWNER, ITEM, &[PHOTO])
        );
        let won = match (first, second) {
            (Ok(won), Err(ItemError::InvalidRequest)) | (Err(ItemError::InvalidRequest), Ok(won)) => won,
            other => panic!("one upload wins the switch, the other is refused: {other:?}"),
        };
        assert_eq!(images_of(&world), join_image_paths(&won));
        let won: Vec<&str> = won.iter().map(String::as_str).collect();
        assert_eq!(
            objects.keys(),
            keys(&won),
            "the winner's pictures stay, the loser's are gone"
        );
    }
}
