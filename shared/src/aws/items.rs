//! Items in DynamoDB: `{prefix}-items` keyed by `itemid`, with the GSIs `by-owner`
//! (`uuid`, `itemid`) for published lists and the sparse `by-buyer` (`to`, `itemid`) for
//! bought lists: `to` is stored only while an item has a counter-party.

use super::attributes::{Item as Row, n, number, s, text};
use super::batch::{get_by_ids, get_one};
use super::claims::IdClaims;
use super::errors::{condition_failed, corrupt, unavailable};
use super::postings::posting_changes;
use super::transact::{Assignments, query_all, transact, user_exists};
use crate::config::Config;
use crate::domain::item::{Item, ItemDetails, Listing};
use crate::domain::search::{Corpus, DocumentTerms, document_terms};
use crate::ports::{BackendResult, Created, IdAllocator, ItemStore, OwnerWrite, Reservation, Written};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use std::sync::Arc;

/// Attempts of a read-then-transact write that lost a race (the item changed in between).
const ATTEMPTS: usize = 3;

pub struct DynamoItems {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
    postings: String,
    ids: IdClaims,
}

fn item_terms(item: &Item) -> DocumentTerms {
    document_terms(&item.title, &item.note)
}

pub(crate) fn item_row(item: &Item) -> Row {
    let mut row = Row::from([
        ("itemid".to_owned(), n(item.itemid)),
        ("uuid".to_owned(), n(item.uuid)),
        ("title".to_owned(), s(&item.title)),
        ("type".to_owned(), n(item.kind)),
        ("price".to_owned(), AttributeValue::N(item.price.to_string())),
        ("imgurl".to_owned(), s(&item.imgurl)),
        ("depreciatione".to_owned(), n(item.depreciatione)),
        ("note".to_owned(), s(&item.note)),
        ("sold".to_owned(), n(item.sold)),
        ("deleted".to_owned(), AttributeValue::Bool(item.deleted)),
    ]);
    if item.to != 0 {
        row.insert("to".to_owned(), n(item.to));
    }
    row
}

fn price(row: &Row) -> BackendResult<f64> {
    match row.get("price") {
        Some(AttributeValue::N(value)) => value.parse::<f64>().map_err(|_| corrupt("price is not a number")),
        _ => Err(corrupt("price is missing")),
    }
}

fn is_deleted(row: &Row) -> bool {
    matches!(row.get("deleted"), Some(AttributeValue::Bool(true)))
}

pub(crate) fn item_from_row(row: &Row) -> BackendResult<Item> {
    Ok(Item {
        itemid: number(row, "itemid")?,
        uuid: number(row, "uuid")?,
        title: text(row, "title")?,
        kind: number(row, "type")?,
        price: price(row)?,
        imgurl: text(row, "imgurl")?,
        depreciatione: number(row, "depreciatione")?,
        note: text(row, "note")?,
        sold: number(row, "sold")?,
        to: if row.contains_key("to") { number(row, "to")? } else { 0 },
        deleted: is_deleted(row),
    })
}

fn listing_from_row(row: &Row) -> BackendResult<Listing> {
    Ok(Listing {
        itemid: number(row, "itemid")?,
        title: text(row, "title")?,
        note: text(row, "note")?,
        price: price(row)?,
    })
}

/// Why an owner-only conditional write was refused, from the item as it was.
fn refusal(old: Option<Row>, owner: i64) -> BackendResult<OwnerWrite> {
    let Some(old) = old.filter(|row| !row.is_empty()) else {
        return Ok(OwnerWrite::Missing);
    };
    let item = item_from_row(&old)?;
    Ok(if item.deleted {
        OwnerWrite::Missing
    } else if item.uuid != owner {
        OwnerWrite::NotOwner
    } else {
        OwnerWrite::Stale
    })
}

impl DynamoItems {
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config, ids: Arc<dyn IdAllocator>) -> Self {
        Self {
            ids: IdClaims::new(client.clone(), config.table("counters"), "items", ids),
            client,
            table: config.table("items"),
            users: config.table("users"),
            postings: config.table("postings"),
        }
    }

    /// `SET` on an existing item of `owner`, under an extra `condition` if given.
    async fn owner_update(
        &self,
        itemid: i64,
        owner: i64,
        sets: Vec<(&str, AttributeValue)>,
        condition: Option<&str>,
        extra_values: Vec<(&str, AttributeValue)>,
    ) -> BackendResult<OwnerWrite> {
        let clause = extra_values.into_iter().fold(
            Assignments::set(&sets).name("#owner", "uuid").value(":owner", n(owner)),
            |clause, (name, value)| clause.value(name, value),
        );
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("itemid", n(itemid))
            .update_expression(clause.expression)
            .condition_expression(match condition {
                Some(condition) => format!("attribute_exists(itemid) AND #owner = :owner AND ({condition})"),
                None => "attribute_exists(itemid) AND #owner = :owner".to_owned(),
            })
            .set_expression_attribute_names(Some(clause.names))
            .set_expression_attribute_values(Some(clause.values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match request.send().await {
            Ok(_) => Ok(OwnerWrite::Done),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => refusal(failed.item, owner),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// One conditional `UpdateItem`; `Refused` when the condition does not hold.
    async fn conditional_update(
        &self,
        itemid: i64,
        update: &str,
        condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> BackendResult<Written> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("itemid", n(itemid))
            .update_expression(update)
            .condition_expression(condition);
        for (placeholder, name) in names {
            request = request.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values {
            request = request.expression_attribute_values(placeholder, value);
        }
        match request.send().await {
            Ok(_) => Ok(Written::Done),
            Err(e) if condition_failed(&e) => Ok(Written::Refused),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Changes `sets` on the item as read in `current` (re-checked in the condition: owner, not
    /// deleted, same title and note) and moves its postings to `new_terms`, in one transaction.
    /// `Ok(false)` when the item changed in between.
    async fn transact_indexed(
        &self,
        current: &Item,
        sets: Vec<(&str, AttributeValue)>,
        new_terms: &DocumentTerms,
    ) -> BackendResult<bool> {
        let clause = Assignments::set(&sets)
            .name("#owner", "uuid")
            .value(":owner", n(current.uuid))
            .value(":false", AttributeValue::Bool(false))
            .value(":title", s(&current.title))
            .value(":note", s(&current.note));
        let update = Update::builder()
            .table_name(&self.table)
            .key("itemid", n(current.itemid))
            .update_expression(clause.expression)
            .condition_expression("#owner = :owner AND deleted = :false AND title = :title AND note = :note")
            .set_expression_attribute_names(Some(clause.names))
            .set_expression_attribute_values(Some(clause.values))
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let mut writes = vec![TransactWriteItem::builder().update(update).build()];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Goods,
            current.itemid,
            &item_terms(current),
            new_terms,
        )?);
        Ok(transact(&self.client, writes).await?.is_none())
    }

    /// The item if it is `owner`'s and not deleted, or why not.
    async fn owned(&self, itemid: i64, owner: i64) -> BackendResult<Result<Item, OwnerWrite>> {
        Ok(match self.get(itemid).await? {
            None => Err(OwnerWrite::Missing),
            Some(item) if item.deleted => Err(OwnerWrite::Missing),
            Some(item) if item.uuid != owner => Err(OwnerWrite::NotOwner),
            Some(item) => Ok(item),
        })
    }

    async fn query_index(&self, index: &str, key: &str, value: i64) -> BackendResult<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#key = :value")
            .filter_expression("deleted = :false")
            .expression_attribute_names("#key", key)
            .expression_attribute_values(":value", n(value))
            .expression_attribute_values(":false", AttributeValue::Bool(false));
        query_all(query).await?.iter().map(item_from_row).collect()
    }
}

#[async_trait]
impl ItemStore for DynamoItems {
    async fn get(&self, itemid: i64) -> BackendResult<Option<Item>> {
        get_one(&self.client, &self.table, "itemid", n(itemid))
            .await?
            .as_ref()
            .map(item_from_row)
            .transpose()
    }

    async fn create(&self, draft: &Item) -> BackendResult<Created> {
        let terms = item_terms(draft);
        let writes_for = |itemid: i64| {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item_row(&Item {
                    itemid,
                    ..draft.clone()
                })))
                .condition_expression("attribute_not_exists(itemid)")
                .build()
                .map_err(|e| corrupt(e.to_string()))?;
            let mut writes = vec![
                user_exists(&self.users, draft.uuid)?,
                TransactWriteItem::builder().put(put).build(),
            ];
            writes.extend(posting_changes(
                &self.postings,
                Corpus::Goods,
                itemid,
                &DocumentTerms::default(),
                &terms,
            )?);
            Ok(writes)
        };
        self.ids.write_with_next_id(writes_for).await
    }

    async fn get_many(&self, itemids: &[i64]) -> BackendResult<Vec<Item>> {
        get_by_ids(&self.client, &self.table, "itemid", itemids, &[])
            .await?
            .iter()
            .map(item_from_row)
            .collect()
    }

    async fn listings(&self, itemids: &[i64]) -> BackendResult<Vec<Listing>> {
        let rows = get_by_ids(
            &self.client,
            &self.table,
            "itemid",
            itemids,
            &["itemid", "title", "note", "price", "deleted"],
        )
        .await?;
        rows.iter()
            .filter(|row| !is_deleted(row))
            .map(listing_from_row)
            .collect()
    }

    async fn update_details(&self, itemid: i64, owner: i64, details: &ItemDetails) -> BackendResult<OwnerWrite> {
        let mut sets = Vec::new();
        if let Some(title) = &details.title {
            sets.push(("title", s(title)));
        }
        if let Some(kind) = details.kind {
            sets.push(("type", n(kind)));
        }
        if let Some(price) = details.price {
            sets.push(("price", AttributeValue::N(price.to_string())));
        }
        if let Some(depreciatione) = details.depreciatione {
            sets.push(("depreciatione", n(depreciatione)));
        }
        if let Some(note) = &details.note {
            sets.push(("note", s(note)));
        }
        if sets.is_empty() {
            return Ok(match self.get(itemid).await? {
                Some(item) if item.deleted => OwnerWrite::Missing,
                Some(item) if item.uuid == owner => OwnerWrite::Done,
                Some(_) => OwnerWrite::NotOwner,
                None => OwnerWrite::Missing,
            });
        }
        if details.title.is_none() && details.note.is_none() {
            let not_deleted = vec![(":false", AttributeValue::Bool(false))];
            return self
                .owner_update(itemid, owner, sets, Some("deleted = :false"), not_deleted)
                .await;
        }
        for _ in 0..ATTEMPTS {
            let current = match self.owned(itemid, owner).await? {
                Ok(item) => item,
                Err(refusal) => return Ok(refusal),
            };
            let title = details.title.as_deref().unwrap_or(&current.title);
            let note = details.note.as_deref().unwrap_or(&current.note);
            if self
                .transact_indexed(&current, sets.clone(), &document_terms(title, note))
                .await?
            {
                return Ok(OwnerWrite::Done);
            }
        }
        Ok(OwnerWrite::Stale)
    }

    /// Sets `deleted` and removes the item's postings in one transaction.
    async fn mark_deleted(&self, itemid: i64, owner: i64) -> BackendResult<OwnerWrite> {
        for _ in 0..ATTEMPTS {
            let current = match self.owned(itemid, owner).await? {
                Ok(item) => item,
                Err(OwnerWrite::Missing) => {
                    // Deleting one's own deleted item again is fine.
                    let again = self
                        .get(itemid)
                        .await?
                        .is_some_and(|item| item.deleted && item.uuid == owner);
                    return Ok(if again { OwnerWrite::Done } else { OwnerWrite::Missing });
                }
                Err(refusal) => return Ok(refusal),
            };
            if self
                .transact_indexed(
                    &current,
                    vec![("deleted", AttributeValue::Bool(true))],
                    &DocumentTerms::default(),
                )
                .await?
            {
                return Ok(OwnerWrite::Done);
            }
        }
        Ok(OwnerWrite::Stale)
    }

    async fn replace_images(&self, itemid: i64, owner: i64, expected: &str, imgurl: &str) -> BackendResult<OwnerWrite> {
        let values = vec![(":false", AttributeValue::Bool(false)), (":expected", s(expected))];
        self.owner_update(
            itemid,
            owner,
            vec![("imgurl", s(imgurl))],
            Some("deleted = :false AND imgurl = :expected"),
            values,
        )
        .await
    }

    async fn published_by(&self, owner: i64) -> BackendResult<Vec<Item>> {
        self.query_index("by-owner", "uuid", owner).await
    }

    async fn bought_by(&self, buyer: i64) -> BackendResult<Vec<Item>> {
        self.query_index("by-buyer", "to", buyer).await
    }

    async fn reserve(&self, itemid: i64, owner: i64, from: i64, to: i64, buyer: i64) -> BackendResult<Reservation> {
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key("itemid", n(itemid))
            .update_expression("SET sold = :to, #to = :buyer")
            .condition_expression("attribute_exists(itemid) AND #owner = :owner AND deleted = :false AND sold = :from")
            .expression_attribute_names("#to", "to")
            .expression_attribute_names("#owner", "uuid")
            .expression_attribute_values(":to", n(to))
            .expression_attribute_values(":buyer", n(buyer))
            .expression_attribute_values(":owner", n(owner))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":from", n(from))
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let writes = vec![
            user_exists(&self.users, buyer)?,
            TransactWriteItem::builder().update(update).build(),
        ];
        Ok(match transact(&self.client, writes).await? {
            None => Reservation::Done,
            Some(0) => Reservation::NoSuchBuyer,
            Some(_) => Reservation::Stale,
        })
    }

    async fn complete(&self, itemid: i64, buyer: i64, from: i64, to: i64) -> BackendResult<Written> {
        let values = vec![
            (":to", n(to)),
            (":buyer", n(buyer)),
            (":from", n(from)),
            (":false", AttributeValue::Bool(false)),
        ];
        let condition = "attribute_exists(itemid) AND #to = :buyer AND deleted = :false AND sold = :from";
        self.conditional_update(itemid, "SET sold = :to", condition, &[("#to", "to")], values)
            .await
    }

    async fn release(&self, itemid: i64, owner: i64, from: i64, to: i64) -> BackendResult<Written> {
        let values = vec![
            (":to", n(to)),
            (":owner", n(owner)),
            (":from", n(from)),
            (":false", AttributeValue::Bool(false)),
        ];
        let condition = "attribute_exists(itemid) AND #owner = :owner AND deleted = :false AND sold = :from";
        self.conditional_update(
            itemid,
            "SET sold = :to REMOVE #to",
            condition,
            &[("#to", "to"), ("#owner", "uuid")],
            values,
        )
        .await
    }
}
