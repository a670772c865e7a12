//! Blocks between users, as the `safety` table's block rows hold them.

use super::InMemory;
use crate::ids::UserId;
use crate::ports::{BackendResult, BlockList, Written};
use crate::safety::Block;
use async_trait::async_trait;

#[async_trait]
impl BlockList for InMemory {
    async fn block(&self, blocker: UserId, blocked: UserId, now_ms: i64) -> BackendResult<Written> {
        let mut tables = self.lock();
        if !tables.users.contains_key(&blocked) {
            return Ok(Written::Refused);
        }
        tables.blocks.entry((blocker, blocked)).or_insert(now_ms);
        Ok(Written::Done)
    }

    async fn unblock(&self, blocker: UserId, blocked: UserId) -> BackendResult<()> {
        self.lock().blocks.remove(&(blocker, blocked));
        Ok(())
    }

    async fn blocked_by(&self, blocker: UserId) -> BackendResult<Vec<Block>> {
        Ok(self
            .lock()
            .blocks
            .range((blocker, UserId::new(i64::MIN))..=(blocker, UserId::new(i64::MAX)))
            .map(|(&(_, blocked), &created_at_ms)| Block { blocked, created_at_ms })
            .collect())
    }

    async fn blocks(&self, blocker: UserId, whom: UserId) -> BackendResult<bool> {
        Ok(self.lock().blocks.contains_key(&(blocker, whom)))
    }
}
