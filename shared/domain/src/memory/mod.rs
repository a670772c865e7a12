//! In-memory twins of the adapters in `foof_aws`, for tests only: a use case can be
//! exercised in milliseconds, without DynamoDB, S3, SNS or SES emulators.
//!
//! [`InMemory`] is one shared world behind every storage port (ids, users, codes, items,
//! favourites, messages, search, limits), so conditions that span tables in DynamoDB
//! transactions (an item's owner exists, a message's recipient exists, a favourite names a
//! live item) hold or fail exactly as they would there. Each trait method takes the lock once
//! and never across an await, which makes every call atomic: the conditional writes the AWS
//! adapters rely on cannot be raced here, and their outcomes are the ones a single
//! uncontended call gets from AWS. [`Outbox`] stands in for SMS and mail, [`Objects`] for S3;
//! both can be made to fail so that cleanup paths can be tested.
//!
//! Where DynamoDB refuses a request outright (duplicate keys in one batch, an empty or
//! oversized batch read), the twin answers `BackendError::Unavailable` too, so a use case that
//! would fail in production fails its unit test as well.

mod blocks;
mod codes;
mod favorites;
mod ids;
mod items;
mod limits;
mod messages;
mod objects;
mod outbox;
mod ratings;
mod search;
mod users;

pub use objects::Objects;
pub use outbox::Outbox;

use crate::ids::{FavoriteId, ItemId, MessageId, UserId};
use crate::item::Item;
use crate::message::Message;
use crate::ports::{
    BackendError, BackendResult, BlockList, CodeStore, FavoriteStore, IdAllocator, ItemStore, MessageStore,
    RateLimiter, RatingStore, SearchIndex, UserStore,
};
use crate::user::User;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// Every storage port over one set of tables. Clones share the tables, so a test keeps one
/// handle to set up and inspect state while the use case under test holds the ports.
#[derive(Clone, Default)]
pub struct InMemory {
    tables: Arc<Mutex<Tables>>,
}

/// The tables, keyed as their DynamoDB counterparts (`docs/data-model.md`).
#[derive(Default)]
struct Tables {
    /// `counters`: the largest id issued per sequence.
    counters: HashMap<String, i64>,
    users: BTreeMap<UserId, User>,
    /// `phones`: which user claimed each E.164 number.
    phones: HashMap<String, UserId>,
    items: BTreeMap<ItemId, Item>,
    /// `chats`, keyed (recipient, id) as there: two recipients may hold messages with one id.
    messages: BTreeMap<(UserId, MessageId), Message>,
    favorites: BTreeMap<(UserId, ItemId), FavoriteId>,
    codes: HashMap<String, codes::CodeRow>,
    limits: HashMap<String, limits::Window>,
    /// `safety` block rows: (blocker, blocked) and when.
    blocks: BTreeMap<(UserId, UserId), i64>,
    /// `ratings`: (item, rater) and the stars given.
    ratings: BTreeMap<(ItemId, UserId), u8>,
    /// `users.ratingPoints`: what each user's ratings are worth in all.
    rating_points: HashMap<UserId, i64>,
    /// `users.ratedBy`: (rater, ratee) of the ratings that counted.
    counted_raters: HashSet<(UserId, UserId)>,
    /// `items.updatedAt`, where a test set it (the twin has no clock): when the owner last
    /// posted, edited or renewed the item. Items without one are never stale.
    edited_at: HashMap<ItemId, i64>,
    /// `items.pictureNumbers`: the next picture number of each item that has claimed some.
    picture_numbers: HashMap<ItemId, u64>,
    /// `users.pendingIdcard`: the idcard each user last asked to verify.
    requested_idcards: HashMap<UserId, String>,
}

impl InMemory {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .expect("a test panicked while it held the in-memory tables")
    }

    pub fn ids(&self) -> Arc<dyn IdAllocator> {
        Arc::new(self.clone())
    }

    pub fn users(&self) -> Arc<dyn UserStore> {
        Arc::new(self.clone())
    }

    pub fn codes(&self) -> Arc<dyn CodeStore> {
        Arc::new(self.clone())
    }

    pub fn items(&self) -> Arc<dyn ItemStore> {
        Arc::new(self.clone())
    }

    pub fn favorites(&self) -> Arc<dyn FavoriteStore> {
        Arc::new(self.clone())
    }

    pub fn messages(&self) -> Arc<dyn MessageStore> {
        Arc::new(self.clone())
    }

    pub fn search(&self) -> Arc<dyn SearchIndex> {
        Arc::new(self.clone())
    }

    pub fn limits(&self) -> Arc<dyn RateLimiter> {
        Arc::new(self.clone())
    }

    pub fn blocks(&self) -> Arc<dyn BlockList> {
        Arc::new(self.clone())
    }

    pub fn ratings(&self) -> Arc<dyn RatingStore> {
        Arc::new(self.clone())
    }
}

/// DynamoDB refuses a batch request (BatchGetItem, BatchWriteItem) that names one key twice;
/// the adapters send `keys` in batches of `batch_size`.
fn distinct_in_batches<K: Eq + Hash>(keys: &[K], batch_size: usize, request: &str) -> BackendResult<()> {
    for batch in keys.chunks(batch_size) {
        let mut seen = HashSet::with_capacity(batch.len());
        if !batch.iter().all(|key| seen.insert(key)) {
            return Err(BackendError::Unavailable(format!(
                "{request}: provided list of item keys contains duplicates"
            )));
        }
    }
    Ok(())
}

/// Most keys one BatchGetItem may name.
const BATCH_GET_KEYS: usize = 100;
/// Most requests one BatchWriteItem may carry (the adapters split larger writes).
const BATCH_WRITE_REQUESTS: usize = 25;

/// A small world and posts to fill it, for the unit tests here and in the function crates.
pub mod fixtures {
    use super::InMemory;
    use crate::ids::{ItemId, UserId};
    use crate::item::{Item, ItemDetails, Sold};
    use crate::user::User;

    pub fn user(id: i64) -> User {
        User::registered(UserId::new(id), &format!("1380013800{id}"), "hash".into())
    }

    pub fn phone(id: i64) -> String {
        format!("+861380013800{id}")
    }

    /// A world holding users 1..=`users`.
    pub fn world(users: i64) -> InMemory {
        let world = InMemory::new();
        for id in 1..=users {
            world.add_user(user(id), &phone(id));
        }
        world
    }

    pub fn draft(owner: i64, title: &str, note: &str, sold: Sold) -> Item {
        let details = ItemDetails {
            title: Some(title.into()),
            category: Some(1),
            price: Some(10.0),
            condition: Some(90),
            note: Some(note.into()),
        };
        Item::new_post(ItemId::new(0), UserId::new(owner), details, sold.into()).expect("a valid post")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_only_within_one_batch() {
        assert!(distinct_in_batches(&[1, 2, 3], 25, "BatchGetItem").is_ok());
        assert!(matches!(
            distinct_in_batches(&[1, 2, 1], 25, "BatchGetItem"),
            Err(BackendError::Unavailable(_))
        ));
        assert!(distinct_in_batches(&[1, 2, 1], 2, "BatchWriteItem").is_ok());
    }
}
