//! The expiry function: once a day (an EventBridge schedule in template.yaml) every open listing
//! that its owner has not posted, edited or renewed for `LISTING_MAX_AGE_DAYS` is withdrawn:
//! hidden for [`EXPIRED`] and out of the index, in one transaction per listing, until the owner
//! renews it (`/item/renew`). The dev server runs the same sweep every hour.

use foof_domain::ids::ItemId;
use foof_domain::item::EXPIRED;
use foof_domain::ports::{BackendError, ItemStore, Written};
use foof_domain::timestamp::parse_utc;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Listings withdrawn at once: each is a read and a transaction.
const CONCURRENT_EXPIRIES: usize = 8;

pub struct Expiry {
    items: Arc<dyn ItemStore>,
    max_age_ms: i64,
}

/// What one sweep did, for the log and the invocation's reply.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Sweep {
    /// Open listings past the age when the sweep read them.
    pub stale: usize,
    /// Of those, the ones withdrawn (the others were edited, renewed or traded meanwhile).
    pub expired: usize,
}

/// The part of EventBridge's scheduled event the sweep reads: when the schedule fired.
#[derive(Debug, Default, Deserialize)]
pub struct ScheduledEvent {
    pub time: Option<String>,
}

impl ScheduledEvent {
    /// The schedule's time, or `now_ms` for an event without a readable one.
    pub fn time_ms(&self, now_ms: i64) -> i64 {
        self.time.as_deref().and_then(parse_utc).unwrap_or(now_ms)
    }
}

impl Expiry {
    pub fn new(items: Arc<dyn ItemStore>, max_age: Duration) -> Self {
        Self {
            items,
            max_age_ms: i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// Withdraws every open listing not posted, edited or renewed within the age before `now_ms`.
    pub async fn sweep(&self, now_ms: i64) -> Result<Sweep, BackendError> {
        let cutoff = now_ms.saturating_sub(self.max_age_ms);
        let stale = self.items.stale_listings(cutoff).await?;
        let ids: Vec<ItemId> = stale.iter().map(|item| item.id).collect();
        let outcomes: Vec<Result<Written, BackendError>> = futures_util::stream::iter(ids)
            .map(|id| {
                let items = self.items.clone();
                async move { items.expire(id, cutoff).await }
            })
            .buffer_unordered(CONCURRENT_EXPIRIES)
            .collect()
            .await;
        let mut sweep = Sweep {
            stale: stale.len(),
            expired: 0,
        };
        for outcome in outcomes {
            if outcome? == Written::Done {
                sweep.expired += 1;
            }
        }
        tracing::info!(
            stale = sweep.stale,
            expired = sweep.expired,
            reason = EXPIRED,
            "expiry sweep"
        );
        Ok(sweep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::ids::UserId;
    use foof_domain::item::Sold;
    use foof_domain::memory::InMemory;
    use foof_domain::memory::fixtures::{draft, world};

    const DAY_MS: i64 = 86_400_000;
    const OWNER: UserId = UserId::new(1);

    async fn post(world: &InMemory, sold: Sold, edited_at: i64) -> ItemId {
        let post = draft(OWNER.get(), "台灯", "宿舍", sold);
        let foof_domain::ports::Created::Done(id) = world.items().create(&post).await.unwrap() else {
            panic!("created")
        };
        world.set_edited_at(id, edited_at);
        id
    }

    #[tokio::test]
    async fn listings_past_the_age_are_withdrawn_and_younger_ones_stay() {
        let world = world(1);
        let now = 1_000 * DAY_MS;
        let old_sale = post(&world, Sold::OnSale, now - 91 * DAY_MS).await;
        let old_want = post(&world, Sold::Wanted, now - 90 * DAY_MS - 1).await;
        let young = post(&world, Sold::OnSale, now - 89 * DAY_MS).await;
        let expiry = Expiry::new(world.items(), Duration::from_secs(90 * 86_400));
        assert_eq!(expiry.sweep(now).await.unwrap(), Sweep { stale: 2, expired: 2 });
        for id in [old_sale, old_want] {
            let item = world.item(id).unwrap();
            assert!(item.deleted && item.hidden.as_deref() == Some(EXPIRED), "{id}");
        }
        assert!(!world.item(young).unwrap().deleted);
        assert_eq!(
            expiry.sweep(now).await.unwrap(),
            Sweep::default(),
            "a second sweep finds nothing"
        );
    }

    #[test]
    fn the_sweep_runs_at_the_schedules_time() {
        let event: ScheduledEvent =
            serde_json::from_str(r#"{"time": "2026-11-27T00:00:00Z", "detail-type": "Scheduled Event"}"#).unwrap();
        assert_eq!(event.time_ms(0), 1_795_737_600_000);
        assert_eq!(ScheduledEvent::default().time_ms(42), 42);
    }
}
