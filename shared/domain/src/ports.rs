//! What the domain needs from the outside world. The AWS adapters in `foof_aws` implement
//! these; tests of pure rules need none of them.

use crate::codes::CodePolicy;
use crate::ids::{FavoriteId, ItemId, MessageId, ReportId, UserId};
use crate::item::{Item, ItemDetails, Listing, Transition};
use crate::message::{Message, Page};
use crate::rating::Rating;
use crate::safety::{Block, Filed, Report, Resolution, Target};
use crate::search::{Corpus, CorpusStats, Posting};
use crate::user::{ProfileChanges, PublicProfile, User};
use async_trait::async_trait;
use bytes::Bytes;
use std::collections::HashMap;
use thiserror::Error;

/// Failures of any backend (storage, object store, SMS, mail), as the domain sees them.
#[derive(Debug, Error)]
pub enum BackendError {
    /// Unreachable, throttled, timed out or answered with a server error.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// The backend answered, but with data this code cannot read.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

pub type BackendResult<T> = Result<T, BackendError>;

/// Outcome of a write whose precondition may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The precondition failed (the record is missing, or the unique key is taken).
    Refused,
}

/// Outcome of storing a new record whose id the store assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Done(ItemId),
    /// A precondition failed (e.g. the owner no longer exists); nothing was stored.
    Refused,
}

/// Outcome of a write that only the item's owner may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerWrite {
    Done,
    /// No such item, or it is deleted.
    Missing,
    NotOwner,
    /// The item changed meanwhile (the expected value no longer holds).
    Stale,
}

#[async_trait]
pub trait IdAllocator: Send + Sync {
    /// The next id of a sequence (1, 2, 3, …), unique under any concurrency.
    async fn next_id(&self, sequence: &str) -> BackendResult<i64>;
    /// `count` consecutive ids in one step; returns the first.
    async fn next_ids(&self, sequence: &str, count: usize) -> BackendResult<i64>;
    /// How many ids the sequence has handed out (its largest id).
    async fn issued(&self, sequence: &str) -> BackendResult<i64>;
}

#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Every posting of each term, in no particular order (terms without postings are absent).
    async fn postings(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, Vec<Posting>>>;
    /// The corpus's live documents and their summed weighted length.
    async fn stats(&self, corpus: Corpus) -> BackendResult<CorpusStats>;
    /// About how many documents contain each term (at most 100 terms): enough to tell rare
    /// terms from common ones, without reading any postings. Terms it knows nothing of are absent.
    async fn document_counts(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, u64>>;
}

/// What compacting one term did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folded {
    /// Fewer deltas waited than the threshold: left for a later pass.
    Left { deltas: usize },
    /// The deltas were folded into the term's blocks, which now hold `postings`.
    Packed { deltas: usize, postings: usize },
}

/// Folds the postings written since the last pass into a term's packed blocks.
#[async_trait]
pub trait PostingCompactor: Send + Sync {
    /// `term_key` names the term as the index's change feed does (corpus and term together).
    async fn compact(&self, term_key: &str) -> BackendResult<Folded>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn get(&self, user: UserId) -> BackendResult<Option<User>>;
    /// The public profiles of the users that exist among `users`, in any order.
    async fn public_profiles(&self, users: &[UserId]) -> BackendResult<Vec<PublicProfile>>;
    /// The account registered with this phone (E.164).
    async fn user_for_phone(&self, phone_e164: &str) -> BackendResult<Option<UserId>>;
    /// Stores a new user and claims its phone atomically; `Refused` if the phone is taken.
    async fn create(&self, user: &User, phone_e164: &str) -> BackendResult<Written>;
    /// `Refused` if the user does not exist. A new password also moves the user's token
    /// version on, in the same write, which ends every login token issued before.
    async fn update_profile(&self, user: UserId, changes: &ProfileChanges) -> BackendResult<Written>;
    /// Sets the avatar path and returns the previous one; `None` if the user does not exist.
    async fn replace_avatar(&self, user: UserId, avatar_path: &str) -> BackendResult<Option<String>>;
    /// Records the idcard a verification mail is being sent for: the newest request, and the
    /// only one a link may still confirm. `Refused` if the user does not exist.
    async fn request_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written>;
    /// Stores the proven idcard (and so sets `verified`) if it is the one last requested, and
    /// uses the request up; `Refused` if it is not (a stale or used link) or the user is gone.
    async fn confirm_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written>;
    /// Suspends the user until `until_ms` and moves its token version on in the same write,
    /// which ends every login token it holds; a suspension in force that ends later stands.
    /// `Refused` if the user does not exist.
    async fn suspend(&self, user: UserId, until_ms: i64) -> BackendResult<Written>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeIssue {
    Issued,
    /// Within the resend interval, or over the daily cap.
    TooFrequent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code was right and is now used up.
    Accepted,
    /// No code is outstanding for this phone.
    NoneRequested,
    /// Wrong, expired, or out of tries.
    Rejected,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Records a new code (by its digest) unless the phone asked too recently or too often.
    async fn issue(&self, phone_e164: &str, digest: &str, now_ms: i64, policy: &CodePolicy)
    -> BackendResult<CodeIssue>;
    /// Takes back a code that could not be delivered (so the phone may ask again at once).
    async fn withdraw(&self, phone_e164: &str, digest: &str, now_ms: i64) -> BackendResult<()>;
    /// Consumes the code if the digest matches, it has not expired and tries remain; a wrong
    /// guess uses up one try.
    async fn check(&self, phone_e164: &str, digest: &str, now_ms: i64, policy: &CodePolicy)
    -> BackendResult<CodeCheck>;
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send_sms(&self, phone_e164: &str, text: &str) -> BackendResult<()>;
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send_mail(&self, to: &str, subject: &str, body: &str) -> BackendResult<()>;
}

/// A stored object and its media type.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub bytes: Bytes,
    pub content_type: String,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> BackendResult<()>;
    async fn get(&self, key: &str) -> BackendResult<Option<StoredObject>>;
    async fn delete(&self, key: &str) -> BackendResult<()>;
}

#[async_trait]
pub trait ItemStore: Send + Sync {
    async fn get(&self, item: ItemId) -> BackendResult<Option<Item>>;
    /// The items that exist among `items`, in any order.
    async fn get_many(&self, items: &[ItemId]) -> BackendResult<Vec<Item>>;
    /// What a search hit shows of the live items among `items`, in any order.
    async fn listings(&self, items: &[ItemId]) -> BackendResult<Vec<Listing>>;
    /// Stores a new item under the next item id (the draft's own `id` is ignored);
    /// `Refused` if its owner no longer exists.
    async fn create(&self, draft: &Item) -> BackendResult<Created>;
    /// Changes the present details of a live item of `owner`.
    async fn update_details(&self, item: ItemId, owner: UserId, details: &ItemDetails) -> BackendResult<OwnerWrite>;
    /// Soft delete; deleting a deleted item of one's own is `Done` again.
    async fn mark_deleted(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite>;
    /// Claims `count` picture numbers for a live item of `owner` and returns the first: the
    /// item's numbering goes on from `start` the first time (what its current pictures use) and
    /// from where the last claim ended afterwards, so uploads racing for one item never pick
    /// the same names. `Err` says why the item is not `owner`'s to change.
    async fn claim_picture_numbers(
        &self,
        item: ItemId,
        owner: UserId,
        start: u64,
        count: u64,
    ) -> BackendResult<Result<u64, OwnerWrite>>;
    /// Switches the image list from `expected` to `images` (`Stale` if it is no longer `expected`).
    async fn replace_images(
        &self,
        item: ItemId,
        owner: UserId,
        expected: &str,
        images: &str,
    ) -> BackendResult<OwnerWrite>;
    /// The owner's items that are not deleted, in id order.
    async fn published_by(&self, owner: UserId) -> BackendResult<Vec<Item>>;
    /// The owner's hidden items, in id order.
    async fn hidden_of(&self, owner: UserId) -> BackendResult<Vec<Item>>;
    /// Items whose counter-party is `buyer` (reserved or finished), not deleted, in id order.
    async fn bought_by(&self, buyer: UserId) -> BackendResult<Vec<Item>>;
    /// `/item/order`: makes the move and sets the buyer, if the item is still the owner's,
    /// not deleted and in the move's `from` state, and the buyer exists; one conditional write.
    async fn reserve(
        &self,
        item: ItemId,
        owner: UserId,
        buyer: UserId,
        moving: Transition,
    ) -> BackendResult<Reservation>;
    /// `/item/trade`: makes the move if the item is still reserved for `buyer` in its `from` state.
    async fn complete(&self, item: ItemId, buyer: UserId, moving: Transition) -> BackendResult<Written>;
    /// `/item/reset`: makes the move and clears the buyer, if still the owner's and in `from`; the
    /// listing is on offer again, and its age (for expiry) starts again.
    async fn release(&self, item: ItemId, owner: UserId, moving: Transition) -> BackendResult<Written>;
    /// A moderator's hide: the item is deleted for everyone but its owner, who reads `why`, and
    /// leaves the index, in one transaction. Hiding a hidden item again replaces `why`.
    /// `Refused` if there is no such item or its owner deleted it.
    async fn hide(&self, item: ItemId, why: &str) -> BackendResult<Written>;
    /// Undoes a hide whose reason is still `why` (the item comes back as it was, indexed
    /// again, as if edited now); `Refused` if the item is not hidden for that reason.
    async fn reveal(&self, item: ItemId, why: &str) -> BackendResult<Written>;
    /// Open listings (live, on offer) that were neither posted, edited nor renewed since
    /// `cutoff_ms`, in no particular order.
    async fn stale_listings(&self, cutoff_ms: i64) -> BackendResult<Vec<Item>>;
    /// Hides a stale listing for [`crate::item::EXPIRED`], unless it was edited or renewed since
    /// `cutoff_ms` or is no longer open; `Refused` then.
    async fn expire(&self, item: ItemId, cutoff_ms: i64) -> BackendResult<Written>;
    /// The owner renews a listing: an expired one comes back (indexed again), a live one starts
    /// its age again. `Missing` for a deleted or hidden (but not expired) one.
    async fn renew(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Done,
    /// The item changed meanwhile (another order won, or it was deleted).
    Stale,
    NoSuchBuyer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRemoval {
    Removed,
    /// The message exists but is addressed to someone else.
    NotRecipient,
    Missing,
}

#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a message; `Refused` if its recipient does not exist.
    async fn push(&self, message: &Message) -> BackendResult<Written>;
    /// `fetchnew`: my unfetched messages, oldest first, each handed out exactly once however
    /// many calls race; they are marked fetched (and shown as they were before).
    async fn claim_new(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>>;
    /// `fetchall`: all my messages in id order as they were, then marked fetched.
    async fn fetch_all(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>>;
    async fn remove_received(&self, to: UserId, id: MessageId) -> BackendResult<MessageRemoval>;
    /// A message addressed to `to`, if there is one with this id.
    async fn received(&self, to: UserId, id: MessageId) -> BackendResult<Option<Message>>;
    /// Deletes the trade requests for `item` addressed to `owner`; returns how many.
    async fn remove_requests(&self, owner: UserId, item: ItemId) -> BackendResult<usize>;
}

/// A favourite row as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Favorite {
    pub id: FavoriteId,
    pub item: ItemId,
    pub user: UserId,
}

#[async_trait]
pub trait FavoriteStore: Send + Sync {
    /// The user's favourites in insertion order.
    async fn list(&self, user: UserId) -> BackendResult<Vec<Favorite>>;
    /// Adds the ids that name live items and are not favourites yet; the rest are ignored.
    async fn add(&self, user: UserId, items: &[ItemId]) -> BackendResult<()>;
    async fn remove(&self, user: UserId, items: &[ItemId]) -> BackendResult<()>;
    /// Removes an item from everyone's favourites (it was deleted).
    async fn remove_item_everywhere(&self, item: ItemId) -> BackendResult<()>;
}

/// Ratings after a trade.
#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Stores the rating and counts it in the ratee's score, in one transaction, unless the
    /// rater counted in that score before (then it is only stored); `Refused` if this rater
    /// already rated this item (of any number of racing ratings exactly one is stored) or the
    /// ratee no longer exists.
    async fn rate(&self, rating: &Rating) -> BackendResult<Written>;
}

/// Who blocked whom.
#[async_trait]
pub trait BlockList: Send + Sync {
    /// `blocker` blocks `blocked` (again: nothing changes); `Refused` if `blocked` does not exist.
    async fn block(&self, blocker: UserId, blocked: UserId, now_ms: i64) -> BackendResult<Written>;
    /// Lifts a block; lifting one that does not exist is fine.
    async fn unblock(&self, blocker: UserId, blocked: UserId) -> BackendResult<()>;
    /// The users `blocker` blocks, in id order.
    async fn blocked_by(&self, blocker: UserId) -> BackendResult<Vec<Block>>;
    /// Whether `blocker` blocks `whom`.
    async fn blocks(&self, blocker: UserId, whom: UserId) -> BackendResult<bool>;
}

/// Reports and the moderation queue.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Files `report` (its `id` is ignored) unless its reporter has an open report of the same
    /// target, which then stands; exactly one of any number of racing repeats is `New`.
    async fn file(&self, report: &Report) -> BackendResult<Filed>;
    /// How many distinct users have an open report of `target`.
    async fn open_reporters(&self, target: Target) -> BackendResult<usize>;
    /// Open reports, oldest first, after `after`.
    async fn open(&self, after: Option<ReportId>, limit: usize) -> BackendResult<Vec<Report>>;
    /// A report, open or not, and its resolution once closed.
    async fn get(&self, id: ReportId) -> BackendResult<Option<(Report, Option<Resolution>)>>;
    /// Closes an open report with its resolution (which is kept on it); the reporter may then
    /// report the target again. `Refused` if it was closed already.
    async fn close(&self, report: &Report, resolution: &Resolution) -> BackendResult<Written>;
}

/// At most `max` events per `window` for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_ms: i64,
}

/// The abuse limits accounts keep (fixed windows, docs/reliability.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbuseLimits {
    /// Code requests per client address.
    pub codes_per_source: Limit,
    /// Codes one address may have sent to one phone: below the phone's daily cap, so spending a
    /// victim's codes takes several addresses, each throttled.
    pub codes_per_phone_per_source: Limit,
    /// Wrong passwords for one phone from one address before that address's logins to the
    /// phone are refused for the rest of the window.
    pub failed_logins: Limit,
    /// Wrong passwords for one phone from all addresses before every login to it is refused:
    /// higher, so that locking a victim out takes several addresses.
    pub failed_logins_per_phone: Limit,
    /// Wrong passwords from one address, whatever the phones, before its logins are refused.
    pub failed_logins_per_source: Limit,
    /// Verification SMS the whole service sends: what an attacker spreading requests over
    /// many addresses and phones can cost it at most.
    pub sms_per_hour: Limit,
}

/// How much verification mail one account may ask for, and one mailbox may receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailLimits {
    pub per_account: Limit,
    pub per_address: Limit,
}

/// How many messages one sender may push (fixed windows, docs/reliability.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushLimits {
    pub per_minute: Limit,
    pub per_day: Limit,
}

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one event; `false` when the key is already at its limit (the event is refused).
    async fn hit(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool>;
    /// Whether the key is at its limit, without counting anything.
    async fn exceeded(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<bool>;
    /// Takes back one event counted in the key's current window (an attempt counted before it
    /// was judged, and judged harmless); nothing if the window has ended.
    async fn refund(&self, key: &str, limit: Limit, now_ms: i64) -> BackendResult<()>;
}
