//! `/recommend/{uuid}`: up to 10 live items not owned by `uuid`, from a random sample of the
//! item id range read with one BatchGetItem: no scan, two calls whatever the table's size.

use crate::engine::Search;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::ports::BackendError;
use foof_domain::random;

pub const RECOMMENDATIONS: usize = 10;
/// Ids sampled per request; live items are most of a marketplace, so 40 usually yield 10.
const SAMPLE: usize = 40;

/// `count` distinct ids in `1..=upper` (all of them when there are fewer), in random order.
pub fn sample_ids(upper: i64, count: usize, mut random: impl FnMut() -> u64) -> Vec<i64> {
    let upper = upper.max(0) as u64;
    if upper as usize <= count {
        let mut all: Vec<i64> = (1..=upper as i64).collect();
        for i in (1..all.len()).rev() {
            all.swap(i, (random() % (i as u64 + 1)) as usize);
        }
        return all;
    }
    let mut picked: Vec<i64> = Vec::with_capacity(count);
    while picked.len() < count {
        let id = (random() % upper) as i64 + 1;
        if !picked.contains(&id) {
            picked.push(id);
        }
    }
    picked
}

impl Search {
    /// Up to [`RECOMMENDATIONS`] live items `user` does not own, in random order; with
    /// `leave_out_blocked`, none of owners `user` blocks.
    pub async fn recommend_for(&self, user: UserId, leave_out_blocked: bool) -> Result<Vec<ItemId>, BackendError> {
        let blocker = leave_out_blocked.then_some(user);
        let (upper, blocked) = tokio::try_join!(self.ids.issued("items"), self.blocked_by(blocker))?;
        let sample: Vec<ItemId> = sample_ids(upper, SAMPLE, random::u64)
            .into_iter()
            .map(ItemId::new)
            .collect();
        if sample.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.items.get_many(&sample).await?;
        let eligible = |id: &ItemId| {
            found
                .iter()
                .any(|item| item.id == *id && item.is_live() && item.owner != user && !blocked.contains(&item.owner))
        };
        Ok(sample.into_iter().filter(eligible).take(RECOMMENDATIONS).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::sample_ids;
    use crate::engine::Search;
    use foof_domain::ids::{ItemId, UserId};
    use foof_domain::item::Sold;
    use foof_domain::memory::fixtures::{draft, world};

    #[tokio::test]
    async fn recommendations_leave_out_the_owners_the_user_blocks() {
        let world = world(3);
        for owner in [2, 2, 3] {
            world
                .items()
                .create(&draft(owner, "台灯", "宿舍", Sold::OnSale))
                .await
                .unwrap();
        }
        let search = Search::new(
            world.search(),
            world.items(),
            world.users(),
            world.ids(),
            world.blocks(),
        );
        let mut before = search.recommend_for(UserId::new(1), true).await.unwrap();
        before.sort_unstable();
        assert_eq!(before, [ItemId::new(1), ItemId::new(2), ItemId::new(3)]);
        world.blocks().block(UserId::new(1), UserId::new(2), 0).await.unwrap();
        assert_eq!(
            search.recommend_for(UserId::new(1), true).await.unwrap(),
            [ItemId::new(3)]
        );
        let asked_by_another = search.recommend_for(UserId::new(1), false).await.unwrap();
        assert_eq!(asked_by_another.len(), 3, "no one else learns whom user 1 blocks");
        let others = search.recommend_for(UserId::new(3), true).await.unwrap();
        assert_eq!(others.len(), 2, "only the blocker's own recommendations change");
    }

    fn counter() -> impl FnMut() -> u64 {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn samples_are_distinct_and_in_range() {
        let sample = sample_ids(1000, 40, counter());
        assert_eq!(sample.len(), 40);
        assert!(sample.iter().all(|id| (1..=1000).contains(id)));
        let mut sorted = sample.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 40);
    }

    #[test]
    fn small_ranges_are_taken_whole() {
        let mut sample = sample_ids(7, 40, counter());
        sample.sort_unstable();
        assert_eq!(sample, (1..=7).collect::<Vec<_>>());
        assert!(sample_ids(0, 40, counter()).is_empty());
    }
}
