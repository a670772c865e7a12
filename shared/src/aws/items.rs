//! Items in DynamoDB: `{prefix}-items` keyed by `itemid`, with the GSIs `by-owner`
//! (`uuid`, `itemid`) for published lists and the sparse `by-buyer` (`to`, `itemid`) for
//! bought lists: `to` is stored only while an item has a counter-party.

use super::attributes::{n, number, s, text, Item as Row};
use super::errors::{corrupt, unavailable};
use crate::config::Config;
use crate::domain::item::{Item, ItemDetails};
use crate::ports::{BackendResult, ItemStore, OwnerWrite, Reservation, Written};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};

pub struct DynamoItems {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
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

pub(crate) fn item_from_row(row: &Row) -> BackendResult<Item> {
    let price = match row.get("price") {
        Some(AttributeValue::N(value)) => value.parse::<f64>().map_err(|_| corrupt("price is not a number"))?,
        _ => return Err(corrupt("price is missing")),
    };
    Ok(Item {
        itemid: number(row, "itemid")?,
        uuid: number(row, "uuid")?,
        title: text(row, "title")?,
        kind: number(row, "type")?,
        price,
        imgurl: text(row, "imgurl")?,
        depreciatione: number(row, "depreciatione")?,
        note: text(row, "note")?,
        sold: number(row, "sold")?,
        to: if row.contains_key("to") { number(row, "to")? } else { 0 },
        deleted: matches!(row.get("deleted"), Some(AttributeValue::Bool(true))),
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
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config) -> Self {
        Self { client, table: config.table("items"), users: config.table("users") }
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
        let expression = (0..sets.len()).map(|i| format!("#f{i} = :v{i}")).collect::<Vec<_>>().join(", ");
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("itemid", n(itemid))
            .update_expression(format!("SET {expression}"))
            .condition_expression(match condition {
                Some(condition) => format!("attribute_exists(itemid) AND #owner = :owner AND ({condition})"),
                None => "attribute_exists(itemid) AND #owner = :owner".to_owned(),
            })
            .expression_attribute_names("#owner", "uuid")
            .expression_attribute_values(":owner", n(owner))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (i, (field, value)) in sets.into_iter().enumerate() {
            request = request.expression_attribute_names(format!("#f{i}"), field).expression_attribute_values(format!(":v{i}"), value);
        }
        for (name, value) in extra_values {
            request = request.expression_attribute_values(name, value);
        }
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
            Err(SdkError::ServiceError(e)) if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) => Ok(Written::Refused),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn query_index(&self, index: &str, key: &str, value: i64) -> BackendResult<Vec<Item>> {
        let pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#key = :value")
            .filter_expression("deleted = :false")
            .expression_attribute_names("#key", key)
            .expression_attribute_values(":value", n(value))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(unavailable)?;
        pages.iter().map(item_from_row).collect()
    }
}

#[async_trait]
impl ItemStore for DynamoItems {
    async fn get(&self, itemid: i64) -> BackendResult<Option<Item>> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("itemid", n(itemid))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        reply.item.as_ref().map(item_from_row).transpose()
    }

    async fn create(&self, item: &Item) -> BackendResult<Written> {
        let owner_exists = ConditionCheck::builder()
            .table_name(&self.users)
            .key("uuid", n(item.uuid))
            .condition_expression("attribute_exists(#uuid)")
            .expression_attribute_names("#uuid", "uuid")
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item_row(item)))
            .condition_expression("attribute_not_exists(itemid)")
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(owner_exists).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Done),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), TransactWriteItemsError::TransactionCanceledException(cancel)
                if cancel.cancellation_reasons().first().and_then(|r| r.code()) == Some("ConditionalCheckFailed")) =>
            {
                Ok(Written::Refused)
            }
            Err(e) => Err(unavailable(e)),
        }
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
        let not_deleted = vec![(":false", AttributeValue::Bool(false))];
        self.owner_update(itemid, owner, sets, Some("deleted = :false"), not_deleted).await
    }

    async fn mark_deleted(&self, itemid: i64, owner: i64) -> BackendResult<OwnerWrite> {
        self.owner_update(itemid, owner, vec![("deleted", AttributeValue::Bool(true))], None, vec![]).await
    }

    async fn replace_images(&self, itemid: i64, owner: i64, expected: &str, imgurl: &str) -> BackendResult<OwnerWrite> {
        let values = vec![(":false", AttributeValue::Bool(false)), (":expected", s(expected))];
        self.owner_update(itemid, owner, vec![("imgurl", s(imgurl))], Some("deleted = :false AND imgurl = :expected"), values).await
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
        let buyer_exists = ConditionCheck::builder()
            .table_name(&self.users)
            .key("uuid", n(buyer))
            .condition_expression("attribute_exists(#uuid)")
            .expression_attribute_names("#uuid", "uuid")
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().condition_check(buyer_exists).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Reservation::Done),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancel) => {
                    let failed = |i: usize| cancel.cancellation_reasons().get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
                    if failed(1) {
                        Ok(Reservation::NoSuchBuyer)
                    } else if failed(0) {
                        Ok(Reservation::Stale)
                    } else {
                        Err(unavailable(TransactWriteItemsError::TransactionCanceledException(cancel)))
                    }
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complete(&self, itemid: i64, buyer: i64, from: i64, to: i64) -> BackendResult<Written> {
        let values = vec![(":to", n(to)), (":buyer", n(buyer)), (":from", n(from)), (":false", AttributeValue::Bool(false))];
        let condition = "attribute_exists(itemid) AND #to = :buyer AND deleted = :false AND sold = :from";
        self.conditional_update(itemid, "SET sold = :to", condition, &[("#to", "to")], values).await
    }

    async fn release(&self, itemid: i64, owner: i64, from: i64, to: i64) -> BackendResult<Written> {
        let values = vec![(":to", n(to)), (":owner", n(owner)), (":from", n(from)), (":false", AttributeValue::Bool(false))];
        let condition = "attribute_exists(itemid) AND #owner = :owner AND deleted = :false AND sold = :from";
        self.conditional_update(itemid, "SET sold = :to REMOVE #to", condition, &[("#to", "to"), ("#owner", "uuid")], values).await
    }
}
