//! Items in DynamoDB: `{prefix}-items` keyed by `itemid`, with the GSIs `by-owner`
//! (`uuid`, `itemid`) for published lists and the sparse `by-buyer` (`to`, `itemid`) for
//! bought lists: `to` is stored only while an item has a counter-party.

use super::attributes::{Row, n, number, s};
use super::batch::{get_by_ids, get_one};
use super::claims::IdClaims;
use super::errors::{Built, corrupt, unavailable};
use super::item_rows::{
    BUYER, HIDDEN, ITEM_ID, LISTING_ATTRIBUTES, OWNER, is_deleted, item_from_row, item_row, listing_from_row,
    price_value, sold_value,
};
use super::posting_rows::posting_changes;
use super::query::query_all;
use super::transact::{transact, user_exists};
use super::update::{ConditionalUpdate, Updated};
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use foof_domain::clock::Clock;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::item::{EXPIRED, Item, ItemDetails, Listing, Sold, Transition};
use foof_domain::ports::{
    BackendError, BackendResult, Created, IdAllocator, ItemStore, OwnerWrite, Reservation, Written,
};
use foof_domain::search::{Corpus, DocumentTerms, document_terms};
use std::sync::Arc;

/// Attempts of a read-then-transact write that lost a race (the item changed in between).
const ATTEMPTS: usize = 3;

/// The next picture number of the item (absent until its first upload claims some).
const PICTURE_NUMBERS: &str = "pictureNumbers";

/// Holds while the item exists, is `:owner`'s and is not deleted.
const OWNED_AND_LIVE: &str = "attribute_exists(itemid) AND #owner = :owner AND deleted = :false";

/// Which of a user's items a listing shows.
#[derive(Clone, Copy)]
enum Listed {
    /// Not deleted.
    Live,
    /// Hidden by a moderator or by reports (and so deleted to everyone else).
    Hidden,
}

pub struct DynamoItems {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
    postings: String,
    ids: IdClaims,
    /// When a listing was posted, edited or renewed: its age, for expiry.
    clock: Arc<dyn Clock>,
}

/// When the owner last posted, edited or renewed the item (epoch ms); rows from before expiry
/// lack it until the first sweep stamps them.
const UPDATED_AT: &str = "updatedAt";

/// A new item's row, posted at `now`.
fn posted_row(item: &Item, now: i64) -> Row {
    let mut row = item_row(item);
    row.insert(UPDATED_AT.to_owned(), n(now));
    row
}

fn item_terms(item: &Item) -> DocumentTerms {
    document_terms(&item.title, &item.note)
}

/// Why an owner-only conditional write was refused, from the item as it was.
fn refusal(old: &Row, owner: UserId) -> BackendResult<OwnerWrite> {
    if old.is_empty() {
        return Ok(OwnerWrite::Missing);
    }
    let item = item_from_row(old)?;
    Ok(if item.deleted {
        OwnerWrite::Missing
    } else if item.owner != owner {
        OwnerWrite::NotOwner
    } else {
        OwnerWrite::Stale
    })
}

impl DynamoItems {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        tables: &Tables,
        ids: Arc<dyn IdAllocator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            ids: IdClaims::new(client.clone(), tables.name("counters"), "items", ids),
            client,
            table: tables.name("items"),
            users: tables.name("users"),
            postings: tables.name("postings"),
            clock,
        }
    }

    fn edited_now(&self) -> (&'static str, AttributeValue) {
        (UPDATED_AT, n(self.clock.now_ms()))
    }

    /// `update` on item `item`, keyed and conditioned in the one way this table is written.
    fn update(&self, item: ItemId, update: impl Into<String>) -> ConditionalUpdate {
        ConditionalUpdate::new(&self.table, ITEM_ID, n(item.get()), update)
    }

    /// `update`, applied only while the item is `owner`'s and not deleted (and `extra` holds).
    fn owned_and_live(update: ConditionalUpdate, owner: UserId, extra: Option<&str>) -> ConditionalUpdate {
        let condition = match extra {
            Some(extra) => format!("{OWNED_AND_LIVE} AND {extra}"),
            None => OWNED_AND_LIVE.to_owned(),
        };
        update
            .when(condition)
            .name("#owner", OWNER)
            .value(":owner", n(owner.get()))
            .value(":false", AttributeValue::Bool(false))
    }

    /// `SET` on a live item of `owner`, under an extra `condition` if given.
    async fn owner_update(
        &self,
        item: ItemId,
        owner: UserId,
        sets: &[(&str, AttributeValue)],
        condition: Option<(&str, &str, AttributeValue)>,
    ) -> BackendResult<OwnerWrite> {
        let update = ConditionalUpdate::set(&self.table, ITEM_ID, n(item.get()), sets);
        let update = match condition {
            Some((extra, placeholder, value)) => {
                Self::owned_and_live(update, owner, Some(extra)).value(placeholder, value)
            }
            None => Self::owned_and_live(update, owner, None),
        };
        match update.send(&self.client).await? {
            Updated::Applied(_) => Ok(OwnerWrite::Done),
            Updated::Refused(old) => refusal(&old, owner),
        }
    }

    /// Changes `sets` on the item as read in `current` (re-checked in the condition: owner, not
    /// deleted, same title and note) and moves its postings to `new_terms` (`None`: it leaves the
    /// index), in one transaction.
    /// `Ok(false)` when the item changed in between.
    async fn transact_indexed(
        &self,
        current: &Item,
        sets: &[(&str, AttributeValue)],
        new_terms: Option<&DocumentTerms>,
    ) -> BackendResult<bool> {
        self.transact_indexed_if(current, sets, new_terms, None, |update| update)
            .await
    }

    /// As [`DynamoItems::transact_indexed`], under an `extra` condition whose placeholders
    /// `bind` fills in.
    async fn transact_indexed_if(
        &self,
        current: &Item,
        sets: &[(&str, AttributeValue)],
        new_terms: Option<&DocumentTerms>,
        extra: Option<&str>,
        bind: impl FnOnce(ConditionalUpdate) -> ConditionalUpdate,
    ) -> BackendResult<bool> {
        let update = ConditionalUpdate::set(&self.table, ITEM_ID, n(current.id.get()), sets);
        let unchanged = "title = :title AND note = :note";
        let condition = match extra {
            Some(extra) => format!("{unchanged} AND {extra}"),
            None => unchanged.to_owned(),
        };
        let update = bind(Self::owned_and_live(update, current.owner, Some(&condition)))
            .value(":title", s(&current.title))
            .value(":note", s(&current.note));
        let mut writes = vec![update.into_step()?];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Goods,
            current.id.get(),
            Some(&item_terms(current)),
            new_terms,
        )?);
        Ok(transact(&self.client, writes).await?.is_none())
    }

    /// The item if it is `owner`'s and not deleted, or why not.
    async fn owned(&self, item: ItemId, owner: UserId) -> BackendResult<Result<Item, OwnerWrite>> {
        Ok(match self.get(item).await? {
            None => Err(OwnerWrite::Missing),
            Some(item) if item.deleted => Err(OwnerWrite::Missing),
            Some(item) if item.owner != owner => Err(OwnerWrite::NotOwner),
            Some(item) => Ok(item),
        })
    }

    /// The items of `user` in `index` that are not deleted, or (`Listed::Hidden`) only hidden.
    async fn query_index(&self, index: &str, key: &str, user: UserId, listed: Listed) -> BackendResult<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#key = :value")
            .expression_attribute_names("#key", key)
            .expression_attribute_values(":value", n(user.get()));
        let query = match listed {
            Listed::Live => query
                .filter_expression("deleted = :false")
                .expression_attribute_values(":false", AttributeValue::Bool(false)),
            Listed::Hidden => query
                .filter_expression("attribute_exists(#hidden)")
                .expression_attribute_names("#hidden", HIDDEN),
        };
        query_all(query).await?.iter().map(item_from_row).collect()
    }

    /// Drops why a hidden item of `owner` was hidden, leaving it only deleted; `false` if it is no
    /// longer hidden (it came back meanwhile).
    async fn forget_hiding(&self, item: ItemId, owner: UserId) -> BackendResult<bool> {
        let update = self
            .update(item, "REMOVE #hidden")
            .when("#owner = :owner AND deleted = :true AND attribute_exists(#hidden)")
            .name("#hidden", HIDDEN)
            .name("#owner", OWNER)
            .value(":owner", n(owner.get()))
            .value(":true", AttributeValue::Bool(true));
        Ok(matches!(update.send(&self.client).await?, Updated::Applied(_)))
    }

    /// Undoes the hide of `current` (as read, hidden for `why`): back as it was, indexed again,
    /// its age restarted; `Refused` if it changed since it was read.
    async fn reveal_as_read(&self, current: &Item, why: &str) -> BackendResult<Written> {
        let update = self
            .update(current.id, "SET deleted = :false, #updatedAt = :now REMOVE #hidden")
            .when("#hidden = :why AND title = :title AND note = :note")
            .name("#hidden", HIDDEN)
            .name("#updatedAt", UPDATED_AT)
            .value(":now", n(self.clock.now_ms()))
            .value(":false", AttributeValue::Bool(false))
            .value(":why", s(why))
            .value(":title", s(&current.title))
            .value(":note", s(&current.note));
        let mut writes = vec![update.into_step()?];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Goods,
            current.id.get(),
            None,
            Some(&item_terms(current)),
        )?);
        Ok(match transact(&self.client, writes).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }

    /// A trade move on item `item`, applied only while it is in the move's `from` state and
    /// `condition` holds.
    fn trade_move(&self, item: ItemId, moving: Transition, update: &str, condition: &str) -> ConditionalUpdate {
        self.update(item, update)
            .when(format!(
                "attribute_exists(itemid) AND deleted = :false AND sold = :from AND {condition}"
            ))
            .value(":false", AttributeValue::Bool(false))
            .value(":from", sold_value(moving.from))
            .value(":to", sold_value(moving.to))
    }
}

#[async_trait]
impl ItemStore for DynamoItems {
    async fn get(&self, item: ItemId) -> BackendResult<Option<Item>> {
        get_one(&self.client, &self.table, ITEM_ID, n(item.get()))
            .await?
            .as_ref()
            .map(item_from_row)
            .transpose()
    }

    async fn create(&self, draft: &Item) -> BackendResult<Created> {
        let terms = item_terms(draft);
        let now = self.clock.now_ms();
        let writes_for = |id: ItemId| {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(posted_row(&Item { id, ..draft.clone() }, now)))
                .condition_expression("attribute_not_exists(itemid)")
                .build()
                .built()?;
            let mut writes = vec![
                user_exists(&self.users, draft.owner)?,
                TransactWriteItem::builder().put(put).build(),
            ];
            writes.extend(posting_changes(
                &self.postings,
                Corpus::Goods,
                id.get(),
                None,
                Some(&terms),
            )?);
            Ok(writes)
        };
        self.ids.write_with_next_id(writes_for).await
    }

    async fn get_many(&self, items: &[ItemId]) -> BackendResult<Vec<Item>> {
        get_by_ids(&self.client, &self.table, ITEM_ID, items, &[])
            .await?
            .iter()
            .map(item_from_row)
            .collect()
    }

    async fn listings(&self, items: &[ItemId]) -> BackendResult<Vec<Listing>> {
        let rows = get_by_ids(&self.client, &self.table, ITEM_ID, items, &LISTING_ATTRIBUTES).await?;
        rows.iter()
            .filter(|row| !is_deleted(row))
            .map(listing_from_row)
            .collect()
    }

    async fn update_details(&self, item: ItemId, owner: UserId, details: &ItemDetails) -> BackendResult<OwnerWrite> {
        let mut sets = Vec::new();
        if let Some(title) = &details.title {
            sets.push(("title", s(title)));
        }
        if let Some(category) = details.category {
            sets.push(("type", n(category)));
        }
        if let Some(price) = details.price {
            sets.push(("price", price_value(price)));
        }
        if let Some(condition) = details.condition {
            sets.push(("depreciatione", n(condition)));
        }
        if let Some(note) = &details.note {
            sets.push(("note", s(note)));
        }
        if !sets.is_empty() {
            sets.push(self.edited_now());
        }
        if sets.is_empty() {
            return Ok(match self.owned(item, owner).await? {
                Ok(_) => OwnerWrite::Done,
                Err(refusal) => refusal,
            });
        }
        if details.title.is_none() && details.note.is_none() {
            return self.owner_update(item, owner, &sets, None).await;
        }
        for _ in 0..ATTEMPTS {
            let current = match self.owned(item, owner).await? {
                Ok(current) => current,
                Err(refusal) => return Ok(refusal),
            };
            let title = details.title.as_deref().unwrap_or(&current.title);
            let note = details.note.as_deref().unwrap_or(&current.note);
            if self
                .transact_indexed(&current, &sets, Some(&document_terms(title, note)))
                .await?
            {
                return Ok(OwnerWrite::Done);
            }
        }
        Ok(OwnerWrite::Stale)
    }

    /// Sets `deleted` and removes the item's postings in one transaction.
    async fn mark_deleted(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
        for _ in 0..ATTEMPTS {
            let current = match self.owned(item, owner).await? {
                Ok(current) => current,
                Err(OwnerWrite::Missing) => {
                    // Deleting one's own deleted item again is fine; a hidden one is then only
                    // deleted, so that dismissing its reports cannot bring it back.
                    match self.get(item).await? {
                        Some(gone) if gone.deleted && gone.owner == owner => {
                            // A reveal or renewal racing this may bring it back: then delete it anew.
                            if gone.hidden.is_none() || self.forget_hiding(item, owner).await? {
                                return Ok(OwnerWrite::Done);
                            }
                            continue;
                        }
                        _ => return Ok(OwnerWrite::Missing),
                    }
                }
                Err(refusal) => return Ok(refusal),
            };
            let deleted = [("deleted", AttributeValue::Bool(true))];
            if self.transact_indexed(&current, &deleted, None).await? {
                return Ok(OwnerWrite::Done);
            }
        }
        Ok(OwnerWrite::Stale)
    }

    async fn claim_picture_numbers(
        &self,
        item: ItemId,
        owner: UserId,
        start: u64,
        count: u64,
    ) -> BackendResult<Result<u64, OwnerWrite>> {
        let as_number = |value: u64| i64::try_from(value).map_err(|_| corrupt("picture number out of range"));
        let claim = self.update(item, "SET #next = if_not_exists(#next, :start) + :count");
        let claim = Self::owned_and_live(claim, owner, None)
            .name("#next", PICTURE_NUMBERS)
            .value(":start", n(as_number(start)?))
            .value(":count", n(as_number(count)?))
            .returning_new();
        match claim.send(&self.client).await? {
            Updated::Applied(row) => {
                let next = u64::try_from(number(&row, PICTURE_NUMBERS)?).map_err(|_| corrupt("picture number"))?;
                Ok(Ok(next - count))
            }
            Updated::Refused(old) => Ok(Err(refusal(&old, owner)?)),
        }
    }

    async fn replace_images(
        &self,
        item: ItemId,
        owner: UserId,
        expected: &str,
        images: &str,
    ) -> BackendResult<OwnerWrite> {
        let still_expected = ("imgurl = :expected", ":expected", s(expected));
        self.owner_update(
            item,
            owner,
            &[("imgurl", s(images)), self.edited_now()],
            Some(still_expected),
        )
        .await
    }

    async fn hide(&self, item: ItemId, why: &str) -> BackendResult<Written> {
        for _ in 0..ATTEMPTS {
            let Some(current) = self.get(item).await? else {
                return Ok(Written::Refused);
            };
            if current.deleted {
                if current.hidden.is_none() {
                    return Ok(Written::Refused);
                }
                let update = self
                    .update(item, "SET #hidden = :why")
                    .when("attribute_exists(#hidden)")
                    .name("#hidden", HIDDEN)
                    .value(":why", s(why));
                if matches!(update.send(&self.client).await?, Updated::Applied(_)) {
                    return Ok(Written::Done);
                }
                continue;
            }
            let hiding = [("deleted", AttributeValue::Bool(true)), (HIDDEN, s(why))];
            if self.transact_indexed(&current, &hiding, None).await? {
                return Ok(Written::Done);
            }
        }
        Err(BackendError::Unavailable(
            "the item kept changing while it was hidden".into(),
        ))
    }

    async fn reveal(&self, item: ItemId, why: &str) -> BackendResult<Written> {
        match self.get(item).await? {
            Some(current) if current.hidden.as_deref() == Some(why) => self.reveal_as_read(&current, why).await,
            _ => Ok(Written::Refused),
        }
    }

    async fn stale_listings(&self, cutoff_ms: i64) -> BackendResult<Vec<Item>> {
        let scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(
                "deleted = :false AND sold IN (:sale, :want) AND \
                 (attribute_not_exists(#updatedAt) OR #updatedAt < :cutoff)",
            )
            .expression_attribute_names("#updatedAt", UPDATED_AT)
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":sale", sold_value(Sold::OnSale))
            .expression_attribute_values(":want", sold_value(Sold::Wanted))
            .expression_attribute_values(":cutoff", n(cutoff_ms));
        let rows: Vec<Row> = scan
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(unavailable)?;
        let mut stale = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.contains_key(UPDATED_AT) {
                stale.push(item_from_row(row)?);
            } else {
                // Posted before listings kept their age: it counts from the first sweep.
                let stamp = self
                    .update(ItemId::new(number(row, ITEM_ID)?), "SET #updatedAt = :now")
                    .when("attribute_not_exists(#updatedAt)")
                    .name("#updatedAt", UPDATED_AT)
                    .value(":now", n(self.clock.now_ms()));
                stamp.send(&self.client).await?;
            }
        }
        Ok(stale)
    }

    async fn expire(&self, item: ItemId, cutoff_ms: i64) -> BackendResult<Written> {
        let Some(current) = self.get(item).await? else {
            return Ok(Written::Refused);
        };
        if current.deleted || !current.sold.is_open() {
            return Ok(Written::Refused);
        }
        let expiring = [("deleted", AttributeValue::Bool(true)), (HIDDEN, s(EXPIRED))];
        let not_renewed = "#updatedAt < :cutoff AND sold = :sold";
        let update = self.transact_indexed_if(&current, &expiring, None, Some(not_renewed), |update| {
            update
                .name("#updatedAt", UPDATED_AT)
                .value(":cutoff", n(cutoff_ms))
                .value(":sold", sold_value(current.sold))
        });
        Ok(if update.await? { Written::Done } else { Written::Refused })
    }

    async fn renew(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
        let Some(current) = self.get(item).await? else {
            return Ok(OwnerWrite::Missing);
        };
        if current.owner != owner {
            return Ok(OwnerWrite::NotOwner);
        }
        // A renewal racing this one (a double tap) may have brought it back first: then this one
        // renews the live listing.
        if current.hidden.as_deref() == Some(EXPIRED) && self.reveal_as_read(&current, EXPIRED).await? == Written::Done
        {
            return Ok(OwnerWrite::Done);
        }
        self.owner_update(item, owner, &[self.edited_now()], None).await
    }

    async fn published_by(&self, owner: UserId) -> BackendResult<Vec<Item>> {
        self.query_index("by-owner", OWNER, owner, Listed::Live).await
    }

    async fn bought_by(&self, buyer: UserId) -> BackendResult<Vec<Item>> {
        self.query_index("by-buyer", BUYER, buyer, Listed::Live).await
    }

    async fn hidden_of(&self, owner: UserId) -> BackendResult<Vec<Item>> {
        self.query_index("by-owner", OWNER, owner, Listed::Hidden).await
    }

    async fn reserve(
        &self,
        item: ItemId,
        owner: UserId,
        buyer: UserId,
        moving: Transition,
    ) -> BackendResult<Reservation> {
        let update = self
            .trade_move(item, moving, "SET sold = :to, #buyer = :buyer", "#owner = :owner")
            .name("#buyer", BUYER)
            .name("#owner", OWNER)
            .value(":buyer", n(buyer.get()))
            .value(":owner", n(owner.get()));
        let writes = vec![user_exists(&self.users, buyer)?, update.into_step()?];
        Ok(match transact(&self.client, writes).await? {
            None => Reservation::Done,
            Some(0) => Reservation::NoSuchBuyer,
            Some(_) => Reservation::Stale,
        })
    }

    async fn complete(&self, item: ItemId, buyer: UserId, moving: Transition) -> BackendResult<Written> {
        let update = self
            .trade_move(item, moving, "SET sold = :to", "#buyer = :buyer")
            .name("#buyer", BUYER)
            .value(":buyer", n(buyer.get()));
        Ok(update.send(&self.client).await?.into())
    }

    async fn release(&self, item: ItemId, owner: UserId, moving: Transition) -> BackendResult<Written> {
        let update = self
            .trade_move(
                item,
                moving,
                "SET sold = :to, #updatedAt = :now REMOVE #buyer",
                "#owner = :owner",
            )
            .name("#buyer", BUYER)
            .name("#owner", OWNER)
            .name("#updatedAt", UPDATED_AT)
            .value(":now", n(self.clock.now_ms()))
            .value(":owner", n(owner.get()));
        Ok(update.send(&self.client).await?.into())
    }
}
