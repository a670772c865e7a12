//! Favourites in DynamoDB: `{prefix}-favorites` keyed by (`uuid`, `itemid`), so a favourite
//! exists at most once by construction; `id` (from the `favorites` sequence) gives insertion
//! order. The GSI `by-item` (`itemid`, `uuid`) finds everyone's favourites of a deleted item.

use super::attributes::{Item as Row, n, number};
use super::batch::{delete, get_all, put, write_all};
use super::errors::corrupt;
use super::items::item_from_row;
use super::transact::query_all;
use crate::config::Config;
use crate::ports::{BackendResult, Favorite, FavoriteStore, IdAllocator};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub struct DynamoFavorites {
    client: aws_sdk_dynamodb::Client,
    favorites: String,
    items: String,
    ids: Arc<dyn IdAllocator>,
}

fn key(uuid: i64, itemid: i64) -> Row {
    Row::from([("uuid".to_owned(), n(uuid)), ("itemid".to_owned(), n(itemid))])
}

fn keys(rows: Vec<Row>) -> BackendResult<KeysAndAttributes> {
    KeysAndAttributes::builder()
        .set_keys(Some(rows))
        .consistent_read(true)
        .build()
        .map_err(|e| corrupt(e.to_string()))
}

impl DynamoFavorites {
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config, ids: Arc<dyn IdAllocator>) -> Self {
        Self {
            client,
            favorites: config.table("favorites"),
            items: config.table("items"),
            ids,
        }
    }

    /// Of `itemids`, those that name a live (not deleted) item and are not yet `uuid`'s
    /// favourites: one BatchGetItem over both tables.
    async fn new_favorites(&self, uuid: i64, itemids: &[i64]) -> BackendResult<Vec<i64>> {
        let item_keys = itemids
            .iter()
            .map(|id| Row::from([("itemid".to_owned(), n(*id))]))
            .collect();
        let favorite_keys = itemids.iter().map(|id| key(uuid, *id)).collect();
        let requests = HashMap::from([
            (self.items.clone(), keys(item_keys)?),
            (self.favorites.clone(), keys(favorite_keys)?),
        ]);
        let found = get_all(&self.client, requests).await?;
        let rows = |table: &str| found.get(table).map(Vec::as_slice).unwrap_or_default();
        let live: HashSet<i64> = rows(&self.items)
            .iter()
            .map(item_from_row)
            .filter(|item| item.as_ref().map_or(true, |item| !item.deleted))
            .map(|item| item.map(|item| item.itemid))
            .collect::<BackendResult<_>>()?;
        let already: HashSet<i64> = rows(&self.favorites)
            .iter()
            .map(|row| number(row, "itemid"))
            .collect::<BackendResult<_>>()?;
        Ok(itemids
            .iter()
            .copied()
            .filter(|id| live.contains(id) && !already.contains(id))
            .collect())
    }
}

#[async_trait]
impl FavoriteStore for DynamoFavorites {
    async fn list(&self, uuid: i64) -> BackendResult<Vec<Favorite>> {
        let query = self
            .client
            .query()
            .table_name(&self.favorites)
            .key_condition_expression("#uuid = :uuid")
            .expression_attribute_names("#uuid", "uuid")
            .expression_attribute_values(":uuid", n(uuid))
            .consistent_read(true);
        let rows = query_all(query).await?;
        let mut favorites = rows
            .iter()
            .map(|row| {
                Ok(Favorite {
                    id: number(row, "id")?,
                    itemid: number(row, "itemid")?,
                    uuid,
                })
            })
            .collect::<BackendResult<Vec<_>>>()?;
        favorites.sort_by_key(|f| f.id);
        Ok(favorites)
    }

    async fn add(&self, uuid: i64, itemids: &[i64]) -> BackendResult<()> {
        let fresh = self.new_favorites(uuid, itemids).await?;
        if fresh.is_empty() {
            return Ok(());
        }
        let first = self.ids.next_ids("favorites", fresh.len()).await?;
        let rows = fresh.iter().zip(first..).map(|(itemid, id)| {
            let mut row = key(uuid, *itemid);
            row.insert("id".to_owned(), n(id));
            put(row)
        });
        write_all(&self.client, &self.favorites, rows.collect::<BackendResult<_>>()?).await
    }

    async fn remove(&self, uuid: i64, itemids: &[i64]) -> BackendResult<()> {
        let deletes = itemids
            .iter()
            .map(|itemid| delete(key(uuid, *itemid)))
            .collect::<BackendResult<_>>()?;
        write_all(&self.client, &self.favorites, deletes).await
    }

    async fn remove_item_everywhere(&self, itemid: i64) -> BackendResult<()> {
        let query = self
            .client
            .query()
            .table_name(&self.favorites)
            .index_name("by-item")
            .key_condition_expression("itemid = :itemid")
            .expression_attribute_values(":itemid", n(itemid));
        let rows = query_all(query).await?;
        let deletes = rows
            .iter()
            .map(|row| delete(key(number(row, "uuid")?, itemid)))
            .collect::<BackendResult<_>>()?;
        write_all(&self.client, &self.favorites, deletes).await
    }
}
