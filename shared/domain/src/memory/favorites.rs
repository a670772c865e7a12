//! The `favorites` table, as `foof_aws::DynamoFavorites` uses it: one row per (user, item),
//! ordered by an id from the `favorites` sequence.

use super::{BATCH_GET_KEYS, BATCH_WRITE_REQUESTS, InMemory, distinct_in_batches};
use crate::ids::{FavoriteId, ItemId, UserId};
use crate::ports::{BackendError, BackendResult, Favorite, FavoriteStore};
use async_trait::async_trait;

#[async_trait]
impl FavoriteStore for InMemory {
    async fn list(&self, user: UserId) -> BackendResult<Vec<Favorite>> {
        let tables = self.lock();
        let mut favorites: Vec<Favorite> = tables
            .favorites
            .range((user, ItemId::new(i64::MIN))..=(user, ItemId::new(i64::MAX)))
            .map(|(&(user, item), &id)| Favorite { id, item, user })
            .collect();
        favorites.sort_by_key(|favorite| favorite.id);
        Ok(favorites)
    }

    /// Fails like the adapter's single BatchGetItem over `items` and `favorites` (one key in
    /// each per id): when `items` is empty, names an id twice, or has more than 50 ids.
    async fn add(&self, user: UserId, items: &[ItemId]) -> BackendResult<()> {
        if items.is_empty() || items.len() * 2 > BATCH_GET_KEYS {
            return Err(BackendError::Unavailable(format!(
                "BatchGetItem: {} keys per table (1 to {} allowed)",
                items.len(),
                BATCH_GET_KEYS / 2
            )));
        }
        distinct_in_batches(items, BATCH_GET_KEYS, "BatchGetItem items")?;
        let mut tables = self.lock();
        let fresh: Vec<ItemId> = items
            .iter()
            .copied()
            .filter(|id| tables.items.get(id).is_some_and(|item| !item.deleted))
            .filter(|id| !tables.favorites.contains_key(&(user, *id)))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let first = tables.next_ids("favorites", fresh.len())?;
        for (item, id) in fresh.into_iter().zip(first..) {
            tables.favorites.insert((user, item), FavoriteId::new(id));
        }
        Ok(())
    }

    /// The adapter deletes in batches of 25; a batch that names an item twice fails, after
    /// the batches before it were applied.
    async fn remove(&self, user: UserId, items: &[ItemId]) -> BackendResult<()> {
        let mut tables = self.lock();
        for batch in items.chunks(BATCH_WRITE_REQUESTS) {
            distinct_in_batches(batch, BATCH_WRITE_REQUESTS, "BatchWriteItem favorites")?;
            for item in batch {
                tables.favorites.remove(&(user, *item));
            }
        }
        Ok(())
    }

    async fn remove_item_everywhere(&self, item: ItemId) -> BackendResult<()> {
        self.lock().favorites.retain(|&(_, favorite), _| favorite != item);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Sold;
    use crate::memory::fixtures::{draft, world};
    use crate::ports::Created;

    const ME: UserId = UserId::new(1);
    const YOU: UserId = UserId::new(2);

    async fn items(world: &InMemory, count: usize) -> Vec<ItemId> {
        let mut ids = Vec::new();
        for _ in 0..count {
            match world.items().create(&draft(2, "t", "n", Sold::OnSale)).await.unwrap() {
                Created::Done(id) => ids.push(id),
                Created::Refused => panic!("create refused"),
            }
        }
        ids
    }

    fn listed(favorites: &[Favorite]) -> Vec<(i64, i64)> {
        favorites.iter().map(|f| (f.id.get(), f.item.get())).collect()
    }

    #[tokio::test]
    async fn add_keeps_live_new_items_in_insertion_order() {
        let world = world(2);
        let favorites = world.favorites();
        let ids = items(&world, 4).await;
        let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
        world.items().mark_deleted(c, YOU).await.unwrap();

        favorites.add(ME, &[b, ItemId::new(99), c]).await.unwrap();
        favorites.add(ME, &[d, b, a]).await.unwrap();
        assert_eq!(
            listed(&favorites.list(ME).await.unwrap()),
            [(1, b.get()), (2, d.get()), (3, a.get())],
            "missing, deleted and repeated items are ignored; ids follow the calls"
        );
        favorites.add(ME, &[c]).await.unwrap();
        assert_eq!(
            world.ids().issued("favorites").await.unwrap(),
            3,
            "nothing new, no id used"
        );
        assert!(favorites.list(YOU).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn batches_the_adapter_cannot_send_fail() {
        let world = world(2);
        let favorites = world.favorites();
        let ids = items(&world, 2).await;
        assert!(favorites.add(ME, &[]).await.is_err());
        assert!(favorites.add(ME, &[ids[0], ids[0]]).await.is_err());
        let too_many: Vec<ItemId> = (1..=51).map(ItemId::new).collect();
        assert!(favorites.add(ME, &too_many).await.is_err());
        assert!(favorites.list(ME).await.unwrap().is_empty());
        assert!(favorites.remove(ME, &[]).await.is_ok());
        assert!(favorites.remove(ME, &[ids[0], ids[0]]).await.is_err());
    }

    #[tokio::test]
    async fn removal_is_per_user_or_everywhere() {
        let world = world(2);
        let favorites = world.favorites();
        let ids = items(&world, 2).await;
        favorites.add(ME, &ids).await.unwrap();
        favorites.add(YOU, &ids).await.unwrap();
        favorites.remove(ME, &[ids[1], ItemId::new(99)]).await.unwrap();
        assert_eq!(listed(&favorites.list(ME).await.unwrap()), [(1, ids[0].get())]);
        favorites.remove_item_everywhere(ids[0]).await.unwrap();
        assert!(favorites.list(ME).await.unwrap().is_empty());
        assert_eq!(listed(&favorites.list(YOU).await.unwrap()), [(4, ids[1].get())]);
    }
}
