//! The `counters` table: one gap-free sequence per name, as `foof_aws::DynamoIds` keeps it.

use super::{InMemory, Tables};
use crate::ports::{BackendError, BackendResult, IdAllocator};
use async_trait::async_trait;

impl Tables {
    /// Issues `count` consecutive ids of `sequence` and returns the first. Like `ADD` on the
    /// counter, a count of 0 issues nothing and returns the id the next call will get.
    pub(super) fn next_ids(&mut self, sequence: &str, count: usize) -> BackendResult<i64> {
        let count = i64::try_from(count).map_err(|_| BackendError::Corrupt("id block too large".into()))?;
        let value = self.counters.entry(sequence.to_owned()).or_insert(0);
        *value += count;
        Ok(*value - count + 1)
    }

    /// Marks every id up to `id` of `sequence` as issued (for rows a test stores directly).
    pub(super) fn issue_up_to(&mut self, sequence: &str, id: i64) {
        let value = self.counters.entry(sequence.to_owned()).or_insert(0);
        *value = (*value).max(id);
    }
}

#[async_trait]
impl IdAllocator for InMemory {
    async fn next_id(&self, sequence: &str) -> BackendResult<i64> {
        self.lock().next_ids(sequence, 1)
    }

    async fn next_ids(&self, sequence: &str, count: usize) -> BackendResult<i64> {
        self.lock().next_ids(sequence, count)
    }

    async fn issued(&self, sequence: &str) -> BackendResult<i64> {
        Ok(self.lock().counters.get(sequence).copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sequences_count_independently_and_blocks_are_consecutive() {
        let ids = InMemory::new().ids();
        assert_eq!(ids.issued("items").await.unwrap(), 0);
        assert_eq!(ids.next_id("items").await.unwrap(), 1);
        assert_eq!(ids.next_ids("items", 3).await.unwrap(), 2);
        assert_eq!(ids.next_id("items").await.unwrap(), 5);
        assert_eq!(ids.issued("items").await.unwrap(), 5);
        assert_eq!(ids.next_id("chats").await.unwrap(), 1);
        assert_eq!(
            ids.next_ids("items", 0).await.unwrap(),
            6,
            "an empty block issues nothing"
        );
        assert_eq!(ids.issued("items").await.unwrap(), 5);
    }
}
