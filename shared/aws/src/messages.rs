//! Messages in DynamoDB: `{prefix}-chats` keyed by (`to`, `id`), so a recipient's inbox is one
//! partition in id order. `pending` (= `to`) exists only while a message is unfetched and keys
//! the sparse GSI `pending` (`pending`, `id`): `fetchnew` reads only what is new. The GSI
//! `by-id` (`id`, keys only) tells "not yours" from "no such message".
//!
//! Exactly-once `fetchnew`: a message is handed out by the call whose
//! `UpdateItem … REMOVE pending IF attribute_exists(pending)` succeeds; racing calls lose that
//! condition and leave it out. A message written late (a smaller id stored after a larger one)
//! is still pending, so nothing is skipped.

use super::attributes::{Row, n, number, s, text};
use super::batch::{delete, write_all};
use super::errors::{Built, corrupt, unavailable};
use super::query::query_all;
use super::transact::{transact, user_exists};
use super::update::{ConditionalUpdate, Updated};
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use foof_domain::ids::{ItemId, MessageId, UserId};
use foof_domain::message::{Message, MessageKind, Page, PageEnd};
use foof_domain::ports::{BackendResult, MessageRemoval, MessageStore, Written};
use futures_util::StreamExt;

/// Concurrent conditional updates per request when marking messages fetched.
const MARKING_CONCURRENCY: usize = 16;

pub struct DynamoMessages {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
}

fn key(to: UserId, id: MessageId) -> Row {
    Row::from([("to".to_owned(), n(to.get())), ("id".to_owned(), n(id.get()))])
}

fn message_row(message: &Message) -> Row {
    let mut row = key(message.to, message.id);
    row.extend([
        ("from".to_owned(), n(message.from.get())),
        ("type".to_owned(), n(message.kind.into())),
        ("data".to_owned(), s(&message.data)),
        ("fetched".to_owned(), AttributeValue::Bool(message.fetched)),
        ("createdAt".to_owned(), n(message.created_at_ms)),
        ("updatedAt".to_owned(), n(message.updated_at_ms)),
    ]);
    if !message.fetched {
        row.insert("pending".to_owned(), n(message.to.get()));
    }
    row
}

fn message_from_row(row: &Row) -> BackendResult<Message> {
    Ok(Message {
        id: MessageId::new(number(row, "id")?),
        from: UserId::new(number(row, "from")?),
        to: UserId::new(number(row, "to")?),
        kind: MessageKind::try_from(number(row, "type")?).map_err(|_| corrupt("message type"))?,
        data: text(row, "data")?,
        fetched: matches!(row.get("fetched"), Some(AttributeValue::Bool(true))),
        created_at_ms: number(row, "createdAt")?,
        updated_at_ms: number(row, "updatedAt")?,
    })
}

impl DynamoMessages {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("chats"),
            users: tables.name("users"),
        }
    }

    /// Marks a pending message fetched; `false` if another call got there first.
    async fn claim(&self, message: &Message, now_ms: i64) -> BackendResult<bool> {
        let update = ConditionalUpdate::new(
            &self.table,
            "to",
            n(message.to.get()),
            "SET fetched = :true, updatedAt = :now REMOVE pending",
        )
        .key("id", n(message.id.get()))
        .when("attribute_exists(pending)")
        .value(":true", AttributeValue::Bool(true))
        .value(":now", n(now_ms));
        Ok(matches!(update.send(&self.client).await?, Updated::Applied(_)))
    }

    /// Puts a message this call claimed back as it was (pending, unfetched), so that the next
    /// `fetchnew` hands it out.
    async fn release(&self, message: &Message) -> BackendResult<()> {
        ConditionalUpdate::new(
            &self.table,
            "to",
            n(message.to.get()),
            "SET fetched = :false, updatedAt = :then, pending = :to",
        )
        .key("id", n(message.id.get()))
        .when("attribute_not_exists(pending)")
        .value(":false", AttributeValue::Bool(false))
        .value(":then", n(message.updated_at_ms))
        .value(":to", n(message.to.get()))
        .send(&self.client)
        .await
        .map(drop)
    }

    /// Claims each message (in parallel, bounded) and keeps the ones this call won, in order.
    /// If any claim fails, the call fails, and the ones it won are released first: a failed
    /// `fetchnew` loses nothing.
    async fn claim_all(&self, messages: Vec<Message>, now_ms: i64) -> BackendResult<Vec<Message>> {
        let claims = futures_util::stream::iter(messages.into_iter().map(|m| async move {
            let won = self.claim(&m, now_ms).await;
            (m, won)
        }));
        let outcomes: Vec<(Message, BackendResult<bool>)> = claims.buffered(MARKING_CONCURRENCY).collect().await;
        let mut won = Vec::with_capacity(outcomes.len());
        let mut failure = None;
        for (message, outcome) in outcomes {
            match outcome {
                Ok(true) => won.push(message),
                Ok(false) => {}
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        let Some(failure) = failure else {
            return Ok(won);
        };
        let releases = futures_util::stream::iter(
            won.into_iter()
                .map(|message| async move { self.release(&message).await }),
        );
        let released: Vec<BackendResult<()>> = releases.buffered(MARKING_CONCURRENCY).collect().await;
        if let Some(Err(error)) = released.into_iter().find(Result::is_err) {
            tracing::warn!(%error, "claimed messages could not all be put back after a failed fetch");
        }
        Err(failure)
    }

    /// One partition (of the table or of the `pending` index) in id order, after `page.after`,
    /// up to `page.limit`.
    async fn read(&self, index: Option<&str>, partition: &str, to: UserId, page: Page) -> BackendResult<Vec<Message>> {
        let condition = if page.after.is_some() {
            "#p = :to AND id > :after"
        } else {
            "#p = :to"
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression(condition)
            .expression_attribute_names("#p", partition)
            .expression_attribute_values(":to", n(to.get()))
            .consistent_read(index.is_none())
            .scan_index_forward(page.end == PageEnd::Oldest)
            .set_limit(page.limit.map(|limit| i32::try_from(limit.max(1)).unwrap_or(i32::MAX)));
        if let Some(after) = page.after {
            query = query.expression_attribute_values(":after", n(after.get()));
        }
        let mut rows = Vec::new();
        let mut pages = query.into_paginator().items().send();
        while let Some(row) = pages.next().await {
            rows.push(row.map_err(unavailable)?);
            if page.limit.is_some_and(|limit| rows.len() >= limit) {
                break;
            }
        }
        if page.end == PageEnd::Newest {
            rows.reverse();
        }
        rows.iter().map(message_from_row).collect()
    }
}

#[async_trait]
impl MessageStore for DynamoMessages {
    async fn push(&self, message: &Message) -> BackendResult<Written> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_row(message)))
            .condition_expression("attribute_not_exists(id)")
            .build()
            .built()?;
        let writes = vec![
            user_exists(&self.users, message.to)?,
            TransactWriteItem::builder().put(put).build(),
        ];
        Ok(match transact(&self.client, writes).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }

    async fn claim_new(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>> {
        let pending = self.read(Some("pending"), "pending", to, page).await?;
        self.claim_all(pending, now_ms).await
    }

    async fn fetch_all(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>> {
        let messages = self.read(None, "to", to, page).await?;
        let unfetched: Vec<Message> = messages.iter().filter(|m| !m.fetched).cloned().collect();
        self.claim_all(unfetched, now_ms).await?;
        Ok(messages)
    }

    async fn remove_received(&self, to: UserId, id: MessageId) -> BackendResult<MessageRemoval> {
        let reply = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(to, id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        if reply.attributes.is_some_and(|old| !old.is_empty()) {
            return Ok(MessageRemoval::Removed);
        }
        let elsewhere = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("by-id")
            .key_condition_expression("id = :id")
            .expression_attribute_values(":id", n(id.get()))
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(if elsewhere.count > 0 {
            MessageRemoval::NotRecipient
        } else {
            MessageRemoval::Missing
        })
    }

    async fn received(&self, to: UserId, id: MessageId) -> BackendResult<Option<Message>> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(to, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        reply.item.as_ref().map(message_from_row).transpose()
    }

    async fn remove_requests(&self, owner: UserId, item: ItemId) -> BackendResult<usize> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#to = :owner")
            .filter_expression("#type = :request AND #data = :itemid")
            .expression_attribute_names("#to", "to")
            .expression_attribute_names("#type", "type")
            .expression_attribute_names("#data", "data")
            .expression_attribute_values(":owner", n(owner.get()))
            .expression_attribute_values(":request", n(MessageKind::Request.into()))
            .expression_attribute_values(":itemid", s(item.to_string()))
            .consistent_read(true);
        let rows = query_all(query).await?;
        let deletes = rows
            .iter()
            .map(|row| delete(key(owner, MessageId::new(number(row, "id")?))))
            .collect::<BackendResult<Vec<_>>>()?;
        let count = deletes.len();
        write_all(&self.client, &self.table, deletes).await?;
        Ok(count)
    }
}
