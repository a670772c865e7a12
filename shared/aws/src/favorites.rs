//! Favourites in DynamoDB: `{prefix}-favorites` keyed by (`uuid`, `itemid`), so a favourite
//! exists at most once by construction; `id` (from the `favorites` sequence) gives insertion
//! order. The GSI `by-item` (`itemid`, `uuid`) finds everyone's favourites of a deleted item.

use super::attributes::{Row, n, number};
use super::batch::{delete, get_all, put, write_all};
use super::errors::Built;
use super::item_rows::{ITEM_ID, is_deleted};
use super::query::query_all;
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use foof_domain::ids::{FavoriteId, ItemId, UserId};
use foof_domain::ports::{BackendResult, Favorite, FavoriteStore, IdAllocator};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub struct DynamoFavorites {
    client: aws_sdk_dynamodb::Client,
    favorites: String,
    items: String,
    ids: Arc<dyn IdAllocator>,
}

fn key(user: UserId, item: ItemId) -> Row {
    Row::from([("uuid".to_owned(), n(user.get())), ("itemid".to_owned(), n(item.get()))])
}

fn keys(rows: Vec<Row>) -> BackendResult<KeysAndAttributes> {
    KeysAndAttributes::builder()
        .set_keys(Some(rows))
        .consistent_read(true)
        .build()
        .built()
}

fn item_id(row: &Row) -> BackendResult<ItemId> {
    number(row, ITEM_ID).map(ItemId::new)
}

impl DynamoFavorites {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables, ids: Arc<dyn IdAllocator>) -> Self {
        Self {
            client,
            favorites: tables.name("favorites"),
            items: tables.name("items"),
            ids,
        }
    }

    /// Of `items`, those that name a live (not deleted) item and are not yet `user`'s
    /// favourites: one BatchGetItem over both tables.
    async fn new_favorites(&self, user: UserId, items: &[ItemId]) -> BackendResult<Vec<ItemId>> {
        let item_keys = items
            .iter()
            .map(|id| Row::from([(ITEM_ID.to_owned(), n(id.get()))]))
            .collect();
        let favorite_keys = items.iter().map(|id| key(user, *id)).collect();
        let requests = HashMap::from([
            (self.items.clone(), keys(item_keys)?),
            (self.favorites.clone(), keys(favorite_keys)?),
        ]);
        let found = get_all(&self.client, requests).await?;
        let rows = |table: &str| found.get(table).map(Vec::as_slice).unwrap_or_default();
        let live: HashSet<ItemId> = rows(&self.items)
            .iter()
            .filter(|row| !is_deleted(row))
            .map(item_id)
            .collect::<BackendResult<_>>()?;
        let already: HashSet<ItemId> = rows(&self.favorites)
            .iter()
            .map(item_id)
            .collect::<BackendResult<_>>()?;
        Ok(items
            .iter()
            .copied()
            .filter(|id| live.contains(id) && !already.contains(id))
            .collect())
    }
}

#[async_trait]
impl FavoriteStore for DynamoFavorites {
    async fn list(&self, user: UserId) -> BackendResult<Vec<Favorite>> {
        let query = self
            .client
            .query()
            .table_name(&self.favorites)
            .key_condition_expression("#uuid = :uuid")
            .expression_attribute_names("#uuid", "uuid")
            .expression_attribute_values(":uuid", n(user.get()))
            .consistent_read(true);
        let rows = query_all(query).await?;
        let mut favorites = rows
            .iter()
            .map(|row| {
                Ok(Favorite {
                    id: FavoriteId::new(number(row, "id")?),
                    item: item_id(row)?,
                    user,
                })
            })
            .collect::<BackendResult<Vec<_>>>()?;
        favorites.sort_by_key(|f| f.id);
        Ok(favorites)
    }

    async fn add(&self, user: UserId, items: &[ItemId]) -> BackendResult<()> {
        let fresh = self.new_favorites(user, items).await?;
        if fresh.is_empty() {
            return Ok(());
        }
        let first = self.ids.next_ids("favorites", fresh.len()).await?;
        let rows = fresh.iter().zip(first..).map(|(item, id)| {
            let mut row = key(user, *item);
            row.insert("id".to_owned(), n(id));
            put(row)
        });
        write_all(&self.client, &self.favorites, rows.collect::<BackendResult<_>>()?).await
    }

    async fn remove(&self, user: UserId, items: &[ItemId]) -> BackendResult<()> {
        let deletes = items
            .iter()
            .map(|item| delete(key(user, *item)))
            .collect::<BackendResult<_>>()?;
        write_all(&self.client, &self.favorites, deletes).await
    }

    async fn remove_item_everywhere(&self, item: ItemId) -> BackendResult<()> {
        let query = self
            .client
            .query()
            .table_name(&self.favorites)
            .index_name("by-item")
            .key_condition_expression("itemid = :itemid")
            .expression_attribute_values(":itemid", n(item.get()));
        let rows = query_all(query).await?;
        let deletes = rows
            .iter()
            .map(|row| delete(key(UserId::new(number(row, "uuid")?), item)))
            .collect::<BackendResult<_>>()?;
        write_all(&self.client, &self.favorites, deletes).await
    }
}
