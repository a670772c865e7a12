//! The `items` table, as `foof_aws::DynamoItems` writes it: owner-only edits that say why
//! they were refused, and the trade moves, each applied only from the move's `from` state.

use super::{BATCH_GET_KEYS, InMemory, distinct_in_batches};
use crate::ids::{ItemId, UserId};
use crate::item::{EXPIRED, Item, ItemDetails, Listing, Transition};
use crate::ports::{BackendResult, Created, ItemStore, OwnerWrite, Reservation, Written};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// The item if it exists, is not deleted and is `owner`'s, or the refusal the adapter derives
/// from the row as it was (a deleted item is `Missing` whoever asks).
fn owned(items: &mut BTreeMap<ItemId, Item>, item: ItemId, owner: UserId) -> Result<&mut Item, OwnerWrite> {
    match items.get_mut(&item) {
        None => Err(OwnerWrite::Missing),
        Some(stored) if stored.deleted => Err(OwnerWrite::Missing),
        Some(stored) if stored.owner != owner => Err(OwnerWrite::NotOwner),
        Some(stored) => Ok(stored),
    }
}

/// The item if it is not deleted and still in the move's `from` state: the condition every
/// trade move shares.
fn movable(items: &mut BTreeMap<ItemId, Item>, item: ItemId, moving: Transition) -> Option<&mut Item> {
    items
        .get_mut(&item)
        .filter(|stored| !stored.deleted && stored.sold == moving.from)
}

fn outcome(result: Result<(), OwnerWrite>) -> OwnerWrite {
    result.err().unwrap_or(OwnerWrite::Done)
}

impl InMemory {
    /// Stores an item as given (any state, deleted or not, owner existing or not), under its
    /// own id; the `items` sequence moves past it so that `create` never reuses the id.
    ///
    /// # Panics
    /// If an item with that id exists.
    pub fn add_item(&self, item: Item) {
        let mut tables = self.lock();
        assert!(
            !tables.items.contains_key(&item.id),
            "add_item: item {} already exists",
            item.id
        );
        tables.issue_up_to("items", item.id.get());
        tables.items.insert(item.id, item);
    }

    /// The item as stored now, deleted or not.
    pub fn item(&self, item: ItemId) -> Option<Item> {
        self.lock().items.get(&item).cloned()
    }
}

impl InMemory {
    /// When the owner last posted, edited or renewed `item`, for tests of expiry.
    pub fn set_edited_at(&self, item: ItemId, epoch_ms: i64) {
        self.lock().edited_at.insert(item, epoch_ms);
    }
}

#[async_trait]
impl ItemStore for InMemory {
    async fn get(&self, item: ItemId) -> BackendResult<Option<Item>> {
        Ok(self.item(item))
    }

    async fn get_many(&self, items: &[ItemId]) -> BackendResult<Vec<Item>> {
        distinct_in_batches(items, BATCH_GET_KEYS, "BatchGetItem items")?;
        let tables = self.lock();
        Ok(items.iter().filter_map(|id| tables.items.get(id)).cloned().collect())
    }

    /// Every item that is not deleted, whatever its trade state: the adapter filters on
    /// `deleted` alone, so reserved and sold posts are listed too.
    async fn listings(&self, items: &[ItemId]) -> BackendResult<Vec<Listing>> {
        distinct_in_batches(items, BATCH_GET_KEYS, "BatchGetItem items")?;
        let tables = self.lock();
        Ok(items
            .iter()
            .filter_map(|id| tables.items.get(id))
            .filter(|item| !item.deleted)
            .map(|item| Listing {
                id: item.id,
                title: item.title.clone(),
                note: item.note.clone(),
                price: item.price,
            })
            .collect())
    }

    /// A refused create uses no id: the adapter claims the id in the same transaction as the
    /// owner check (its cold path can leave a gap, which no caller may rely on either way).
    async fn create(&self, draft: &Item) -> BackendResult<Created> {
        let mut tables = self.lock();
        if !tables.users.contains_key(&draft.owner) {
            return Ok(Created::Refused);
        }
        let id = ItemId::new(tables.next_ids("items", 1)?);
        tables.items.insert(id, Item { id, ..draft.clone() });
        Ok(Created::Done(id))
    }

    /// Needs the item live only in the sense of not deleted: a reserved item can be edited.
    async fn update_details(&self, item: ItemId, owner: UserId, details: &ItemDetails) -> BackendResult<OwnerWrite> {
        let mut tables = self.lock();
        Ok(outcome(owned(&mut tables.items, item, owner).map(|stored| {
            if let Some(title) = &details.title {
                stored.title.clone_from(title);
            }
            if let Some(category) = details.category {
                stored.category = category;
            }
            if let Some(price) = details.price {
                stored.price = price;
            }
            if let Some(condition) = details.condition {
                stored.condition = condition;
            }
            if let Some(note) = &details.note {
                stored.note.clone_from(note);
            }
        })))
    }

    /// Sets `deleted` only: the trade state and buyer stay, as the adapter leaves them.
    async fn mark_deleted(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
        let mut tables = self.lock();
        Ok(match tables.items.get_mut(&item) {
            None => OwnerWrite::Missing,
            Some(stored) if stored.deleted => {
                if stored.owner == owner {
                    stored.hidden = None;
                    OwnerWrite::Done
                } else {
                    OwnerWrite::Missing
                }
            }
            Some(stored) if stored.owner != owner => OwnerWrite::NotOwner,
            Some(stored) => {
                stored.deleted = true;
                OwnerWrite::Done
            }
        })
    }

    async fn claim_picture_numbers(
        &self,
        item: ItemId,
        owner: UserId,
        start: u64,
        count: u64,
    ) -> BackendResult<Result<u64, OwnerWrite>> {
        let mut tables = self.lock();
        if let Err(refusal) = owned(&mut tables.items, item, owner) {
            return Ok(Err(refusal));
        }
        let next = tables.picture_numbers.entry(item).or_insert(start);
        let first = *next;
        *next += count;
        Ok(Ok(first))
    }

    async fn replace_images(
        &self,
        item: ItemId,
        owner: UserId,
        expected: &str,
        images: &str,
    ) -> BackendResult<OwnerWrite> {
        let mut tables = self.lock();
        Ok(match owned(&mut tables.items, item, owner) {
            Err(refusal) => refusal,
            Ok(stored) if stored.images != expected => OwnerWrite::Stale,
            Ok(stored) => {
                images.clone_into(&mut stored.images);
                OwnerWrite::Done
            }
        })
    }

    async fn hide(&self, item: ItemId, why: &str) -> BackendResult<Written> {
        let mut tables = self.lock();
        Ok(match tables.items.get_mut(&item) {
            Some(stored) if !stored.deleted || stored.hidden.is_some() => {
                stored.deleted = true;
                stored.hidden = Some(why.to_owned());
                Written::Done
            }
            _ => Written::Refused,
        })
    }

    async fn reveal(&self, item: ItemId, why: &str) -> BackendResult<Written> {
        let mut tables = self.lock();
        Ok(match tables.items.get_mut(&item) {
            Some(stored) if stored.hidden.as_deref() == Some(why) => {
                stored.deleted = false;
                stored.hidden = None;
                Written::Done
            }
            _ => Written::Refused,
        })
    }

    async fn stale_listings(&self, cutoff_ms: i64) -> BackendResult<Vec<Item>> {
        let tables = self.lock();
        Ok(tables
            .items
            .values()
            .filter(|item| item.is_live() && tables.edited_at.get(&item.id).is_some_and(|at| *at < cutoff_ms))
            .cloned()
            .collect())
    }

    async fn expire(&self, item: ItemId, cutoff_ms: i64) -> BackendResult<Written> {
        let mut tables = self.lock();
        let stale = tables.edited_at.get(&item).is_some_and(|at| *at < cutoff_ms);
        Ok(match tables.items.get_mut(&item) {
            Some(stored) if stored.is_live() && stale => {
                stored.deleted = true;
                stored.hidden = Some(EXPIRED.to_owned());
                Written::Done
            }
            _ => Written::Refused,
        })
    }

    async fn renew(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
        let mut tables = self.lock();
        let outcome = match tables.items.get_mut(&item) {
            None => OwnerWrite::Missing,
            Some(stored) if stored.owner != owner => OwnerWrite::NotOwner,
            Some(stored) if stored.hidden.as_deref() == Some(EXPIRED) => {
                stored.deleted = false;
                stored.hidden = None;
                OwnerWrite::Done
            }
            Some(stored) if stored.deleted => OwnerWrite::Missing,
            Some(_) => OwnerWrite::Done,
        };
        if outcome == OwnerWrite::Done {
            tables.edited_at.remove(&item);
        }
        Ok(outcome)
    }

    async fn hidden_of(&self, owner: UserId) -> BackendResult<Vec<Item>> {
        let tables = self.lock();
        Ok(tables
            .items
            .values()
            .filter(|item| item.owner == owner && item.hidden.is_some())
            .cloned()
            .collect())
    }

    async fn published_by(&self, owner: UserId) -> BackendResult<Vec<Item>> {
        let tables = self.lock();
        Ok(tables
            .items
            .values()
            .filter(|item| item.owner == owner && !item.deleted)
            .cloned()
            .collect())
    }

    async fn bought_by(&self, buyer: UserId) -> BackendResult<Vec<Item>> {
        let tables = self.lock();
        Ok(tables
            .items
            .values()
            .filter(|item| item.buyer == Some(buyer) && !item.deleted)
            .cloned()
            .collect())
    }

    /// A missing buyer wins over a stale item: the adapter's transaction checks the buyer
    /// first and reports the first condition that failed.
    async fn reserve(
        &self,
        item: ItemId,
        owner: UserId,
        buyer: UserId,
        moving: Transition,
    ) -> BackendResult<Reservation> {
        let mut tables = self.lock();
        if !tables.users.contains_key(&buyer) {
            return Ok(Reservation::NoSuchBuyer);
        }
        Ok(
            match movable(&mut tables.items, item, moving).filter(|stored| stored.owner == owner) {
                Some(stored) => {
                    stored.sold = moving.to;
                    stored.buyer = Some(buyer);
                    Reservation::Done
                }
                None => Reservation::Stale,
            },
        )
    }

    async fn complete(&self, item: ItemId, buyer: UserId, moving: Transition) -> BackendResult<Written> {
        let mut tables = self.lock();
        Ok(
            match movable(&mut tables.items, item, moving).filter(|stored| stored.buyer == Some(buyer)) {
                Some(stored) => {
                    stored.sold = moving.to;
                    Written::Done
                }
                None => Written::Refused,
            },
        )
    }

    async fn release(&self, item: ItemId, owner: UserId, moving: Transition) -> BackendResult<Written> {
        let mut tables = self.lock();
        Ok(
            match movable(&mut tables.items, item, moving).filter(|stored| stored.owner == owner) {
                Some(stored) => {
                    stored.sold = moving.to;
                    stored.buyer = None;
                    Written::Done
                }
                None => Written::Refused,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Sold;
    use crate::memory::fixtures::{draft, world};

    const SELLER: UserId = UserId::new(1);
    const BUYER: UserId = UserId::new(2);
    const STRANGER: UserId = UserId::new(3);

    async fn created(world: &InMemory, item: Item) -> ItemId {
        match world.items().create(&item).await.unwrap() {
            Created::Done(id) => id,
            Created::Refused => panic!("create refused"),
        }
    }

    #[tokio::test]
    async fn create_takes_the_next_id_and_needs_the_owner() {
        let world = world(1);
        let items = world.items();
        assert_eq!(created(&world, draft(1, "a", "b", Sold::OnSale)).await, ItemId::new(1));
        assert_eq!(
            items.create(&draft(9, "a", "b", Sold::OnSale)).await.unwrap(),
            Created::Refused
        );
        assert_eq!(created(&world, draft(1, "c", "d", Sold::Wanted)).await, ItemId::new(2));
        assert_eq!(world.item(ItemId::new(2)).unwrap().sold, Sold::Wanted);
        world.add_item(Item {
            id: ItemId::new(10),
            ..draft(1, "e", "f", Sold::OnSale)
        });
        assert_eq!(created(&world, draft(1, "g", "h", Sold::OnSale)).await, ItemId::new(11));
    }

    #[tokio::test]
    async fn trade_moves_apply_only_from_their_state_and_to_the_right_people() {
        let world = world(3);
        let items = world.items();
        let id = created(&world, draft(1, "a", "b", Sold::OnSale)).await;
        let reserve = Sold::OnSale.reserve().unwrap();
        let complete = Sold::Reserved.complete().unwrap();
        let release = Sold::Reserved.release().unwrap();

        assert_eq!(
            items.complete(id, BUYER, complete).await.unwrap(),
            Written::Refused,
            "not reserved yet"
        );
        assert_eq!(items.release(id, SELLER, release).await.unwrap(), Written::Refused);
        assert_eq!(
            items.reserve(id, SELLER, UserId::new(9), reserve).await.unwrap(),
            Reservation::NoSuchBuyer
        );
        assert_eq!(
            items.reserve(id, STRANGER, BUYER, reserve).await.unwrap(),
            Reservation::Stale,
            "not the owner"
        );
        assert_eq!(
            items.reserve(id, SELLER, BUYER, reserve).await.unwrap(),
            Reservation::Done
        );
        assert_eq!(
            items.reserve(id, SELLER, STRANGER, reserve).await.unwrap(),
            Reservation::Stale,
            "another order won"
        );
        assert_eq!(world.item(id).unwrap().buyer, Some(BUYER));
        assert_eq!(items.bought_by(BUYER).await.unwrap().len(), 1);

        assert_eq!(items.complete(id, STRANGER, complete).await.unwrap(), Written::Refused);
        assert_eq!(items.release(id, BUYER, release).await.unwrap(), Written::Refused);
        assert_eq!(items.release(id, SELLER, release).await.unwrap(), Written::Done);
        assert_eq!(world.item(id).unwrap().buyer, None);
        assert!(items.bought_by(BUYER).await.unwrap().is_empty());

        assert_eq!(
            items.reserve(id, SELLER, BUYER, reserve).await.unwrap(),
            Reservation::Done
        );
        assert_eq!(items.complete(id, BUYER, complete).await.unwrap(), Written::Done);
        assert_eq!(
            items.complete(id, BUYER, complete).await.unwrap(),
            Written::Refused,
            "sold"
        );
        assert_eq!(world.item(id).unwrap().sold, Sold::Sold);
        assert_eq!(items.bought_by(BUYER).await.unwrap()[0].id, id, "finished trades stay");
    }

    #[tokio::test]
    async fn deleted_items_take_no_moves() {
        let world = world(2);
        let items = world.items();
        let id = created(&world, draft(1, "a", "b", Sold::Wanted)).await;
        assert_eq!(items.mark_deleted(id, SELLER).await.unwrap(), OwnerWrite::Done);
        assert_eq!(
            items
                .reserve(id, SELLER, BUYER, Sold::Wanted.reserve().unwrap())
                .await
                .unwrap(),
            Reservation::Stale
        );
        assert!(items.published_by(SELLER).await.unwrap().is_empty());
        assert!(items.listings(&[id]).await.unwrap().is_empty());
        assert_eq!(
            items.get_many(&[id]).await.unwrap().len(),
            1,
            "get_many shows deleted items"
        );
    }

    #[tokio::test]
    async fn owner_writes_say_why_they_were_refused() {
        let world = world(2);
        let items = world.items();
        let id = created(&world, draft(1, "a", "b", Sold::OnSale)).await;
        let missing = ItemId::new(99);
        let title = ItemDetails {
            title: Some("new".into()),
            ..ItemDetails::default()
        };
        let default = crate::item::DEFAULT_IMAGE;

        assert_eq!(
            items.update_details(missing, SELLER, &title).await.unwrap(),
            OwnerWrite::Missing
        );
        assert_eq!(
            items.update_details(id, BUYER, &title).await.unwrap(),
            OwnerWrite::NotOwner
        );
        assert_eq!(
            items.update_details(id, SELLER, &title).await.unwrap(),
            OwnerWrite::Done
        );
        assert_eq!(world.item(id).unwrap().title, "new");

        assert_eq!(
            items.replace_images(id, SELLER, "x++", "y++").await.unwrap(),
            OwnerWrite::Stale
        );
        assert_eq!(
            items.replace_images(id, BUYER, default, "y++").await.unwrap(),
            OwnerWrite::NotOwner
        );
        assert_eq!(
            items.replace_images(id, SELLER, default, "y++").await.unwrap(),
            OwnerWrite::Done
        );
        assert_eq!(world.item(id).unwrap().images, "y++");

        assert_eq!(items.mark_deleted(id, BUYER).await.unwrap(), OwnerWrite::NotOwner);
        assert_eq!(items.mark_deleted(id, SELLER).await.unwrap(), OwnerWrite::Done);
        assert_eq!(items.mark_deleted(id, SELLER).await.unwrap(), OwnerWrite::Done, "again");
        assert_eq!(items.mark_deleted(id, BUYER).await.unwrap(), OwnerWrite::Missing);
        assert_eq!(items.mark_deleted(missing, SELLER).await.unwrap(), OwnerWrite::Missing);
        assert_eq!(
            items.update_details(id, SELLER, &title).await.unwrap(),
            OwnerWrite::Missing
        );
        assert_eq!(
            items.replace_images(id, SELLER, "y++", "z++").await.unwrap(),
            OwnerWrite::Missing
        );
    }
}
