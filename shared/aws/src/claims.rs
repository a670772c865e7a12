//! Ids claimed inside the transaction that uses them.
//!
//! Taking an id with `ADD` on the counter is a call of its own, and the SDK's cost per call is
//! mostly fixed, so for a small write it is a large share of the work. A container instead
//! remembers the last id it saw and puts "move the counter from that id to the next" into the
//! write's own transaction. While no other container has written in between, that is the whole
//! write: one call. If the counter moved, the claim fails without applying anything and returns
//! the counter as it is, and the write claims again from there (two calls, as with `ADD`). A
//! cold container, or one that keeps losing races, reserves an id with `ADD` first. Ids stay
//! unique, increasing in commit order, and gap-free except where a reserved id's write fails.

use super::attributes::{n, number, s};
use super::transact::{Cancelled, conflicted, try_transact};
use super::update::ConditionalUpdate;
use aws_sdk_dynamodb::types::TransactWriteItem;
use foof_domain::ids::ItemId;
use foof_domain::ports::{BackendResult, Created, IdAllocator};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Claims one write tries before it reserves its id instead: the second uses the counter value
/// the first one's failure returned, so only a container that keeps losing races pays more.
const CLAIMS: usize = 2;

/// The counter row's attribute holding the largest id issued (`docs/data-model.md`, `counters`).
pub(crate) const COUNTER_VALUE: &str = "value";

pub(crate) struct IdClaims {
    client: aws_sdk_dynamodb::Client,
    counters: String,
    sequence: &'static str,
    reserve: Arc<dyn IdAllocator>,
    /// The largest id of the sequence this container has seen; 0 until it has seen one.
    last_seen: AtomicI64,
}

impl IdClaims {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        counters: String,
        sequence: &'static str,
        reserve: Arc<dyn IdAllocator>,
    ) -> Self {
        Self {
            client,
            counters,
            sequence,
            reserve,
            last_seen: AtomicI64::new(0),
        }
    }

    /// Runs `writes_for(id)` as one transaction under the next id of the sequence.
    pub async fn write_with_next_id<F>(&self, writes_for: F) -> BackendResult<Created>
    where
        F: Fn(ItemId) -> BackendResult<Vec<TransactWriteItem>>,
    {
        let mut last_seen = self.last_seen.load(Ordering::Relaxed);
        for _ in 0..CLAIMS {
            if last_seen == 0 {
                break;
            }
            let id = last_seen + 1;
            let mut writes = vec![self.claim(last_seen)?];
            writes.extend(writes_for(ItemId::new(id))?);
            match try_transact(&self.client, writes).await? {
                Ok(()) => return Ok(self.seen(id)),
                Err(Cancelled::Condition { index: 0, old }) => {
                    last_seen = old.as_ref().map_or(Ok(0), |counter| number(counter, COUNTER_VALUE))?;
                    self.last_seen.fetch_max(last_seen, Ordering::Relaxed);
                }
                Err(Cancelled::Condition { .. }) => return Ok(Created::Refused),
                Err(Cancelled::Conflict) => break,
            }
        }
        let id = self.reserve.next_id(self.sequence).await?;
        match try_transact(&self.client, writes_for(ItemId::new(id))?).await? {
            Ok(()) => Ok(self.seen(id)),
            Err(Cancelled::Condition { .. }) => {
                self.last_seen.fetch_max(id, Ordering::Relaxed);
                Ok(Created::Refused)
            }
            Err(Cancelled::Conflict) => Err(conflicted()),
        }
    }

    fn seen(&self, id: i64) -> Created {
        self.last_seen.fetch_max(id, Ordering::Relaxed);
        Created::Done(ItemId::new(id))
    }

    /// Moves the counter from `last_seen` to the next id, only if nobody else moved it.
    fn claim(&self, last_seen: i64) -> BackendResult<TransactWriteItem> {
        ConditionalUpdate::new(&self.counters, "name", s(self.sequence), "SET #value = :next")
            .when("#value = :last")
            .name("#value", COUNTER_VALUE)
            .value(":next", n(last_seen + 1))
            .value(":last", n(last_seen))
            .into_step()
    }
}
