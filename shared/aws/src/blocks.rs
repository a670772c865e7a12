//! Blocks in `{prefix}-safety`: one row per block, `pk = blocks#{blocker}`, `sk` the blocked
//! user's id, so that a user's blocks are one Query and "does A block B" one GetItem.

use super::attributes::{Row, n, number, s};
use super::errors::unavailable;
use super::query::query_all;
use super::transact::{put_new, transact, user_exists};
use crate::Tables;
use async_trait::async_trait;
use foof_domain::ids::UserId;
use foof_domain::ports::{BackendResult, BlockList, Written};
use foof_domain::safety::Block;

const BLOCKED: &str = "blocked";
const CREATED_AT: &str = "createdAt";

pub struct DynamoBlocks {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
}

fn key(blocker: UserId, blocked: UserId) -> Row {
    Row::from([
        ("pk".to_owned(), s(format!("blocks#{blocker}"))),
        ("sk".to_owned(), s(blocked.to_string())),
    ])
}

impl DynamoBlocks {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("safety"),
            users: tables.name("users"),
        }
    }
}

#[async_trait]
impl BlockList for DynamoBlocks {
    async fn block(&self, blocker: UserId, blocked: UserId, now_ms: i64) -> BackendResult<Written> {
        let mut row = key(blocker, blocked);
        row.insert(BLOCKED.to_owned(), n(blocked.get()));
        row.insert(CREATED_AT.to_owned(), n(now_ms));
        let writes = vec![user_exists(&self.users, blocked)?, put_new(&self.table, row, "pk")?];
        Ok(match transact(&self.client, writes).await? {
            // A repeat racing this one wrote the row first: its time stands.
            None | Some(1) => Written::Done,
            Some(_) => Written::Refused,
        })
    }

    async fn unblock(&self, blocker: UserId, blocked: UserId) -> BackendResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(blocker, blocked)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn blocked_by(&self, blocker: UserId) -> BackendResult<Vec<Block>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("blocks#{blocker}")))
            .consistent_read(true);
        let mut blocks = query_all(query)
            .await?
            .iter()
            .map(|row| {
                Ok(Block {
                    blocked: UserId::new(number(row, BLOCKED)?),
                    created_at_ms: number(row, CREATED_AT)?,
                })
            })
            .collect::<BackendResult<Vec<_>>>()?;
        blocks.sort_by_key(|block| block.blocked);
        Ok(blocks)
    }

    async fn blocks(&self, blocker: UserId, whom: UserId) -> BackendResult<bool> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(blocker, whom)))
            .projection_expression("pk")
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(reply.item.is_some())
    }
}
