//! The `chats` table, as `foof_aws::DynamoMessages` uses it: one inbox per recipient in id
//! order, and `fetchnew` handing out each unfetched message once.

use super::{InMemory, Tables};
use crate::ids::{ItemId, MessageId, UserId};
use crate::message::{Message, MessageKind, Page, PageEnd};
use crate::ports::{BackendResult, MessageRemoval, MessageStore, Written};
use async_trait::async_trait;
use std::ops::Bound;

/// How many messages a page may read. The adapter stops reading once it holds `limit` rows,
/// a check it makes after taking a row, so a limit of 0 still reads one message.
fn page_size(page: Page) -> usize {
    page.limit.map_or(usize::MAX, |limit| limit.max(1))
}

impl Tables {
    /// `to`'s messages after `page.after`, in id order.
    fn inbox(&mut self, to: UserId, page: Page) -> impl Iterator<Item = &mut Message> {
        let start = match page.after {
            Some(after) => Bound::Excluded((to, after)),
            None => Bound::Included((to, MessageId::new(i64::MIN))),
        };
        self.messages
            .range_mut((start, Bound::Included((to, MessageId::new(i64::MAX)))))
            .map(|(_, message)| message)
    }
}

/// Marks a message fetched and returns it as it was.
fn mark_fetched(message: &mut Message, now_ms: i64) -> Message {
    let before = message.clone();
    message.fetched = true;
    message.updated_at_ms = now_ms;
    before
}

impl InMemory {
    /// `to`'s messages as stored now (fetched flags included), in id order.
    pub fn messages_to(&self, to: UserId) -> Vec<Message> {
        self.lock().inbox(to, Page::default()).map(|m| m.clone()).collect()
    }
}

#[async_trait]
impl MessageStore for InMemory {
    /// Also refused when the recipient already holds a message with this id.
    async fn push(&self, message: &Message) -> BackendResult<Written> {
        let mut tables = self.lock();
        let key = (message.to, message.id);
        if !tables.users.contains_key(&message.to) || tables.messages.contains_key(&key) {
            return Ok(Written::Refused);
        }
        tables.messages.insert(key, message.clone());
        Ok(Written::Done)
    }

    /// The limit counts unfetched messages only (the adapter pages the `pending` index).
    async fn claim_new(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>> {
        let mut tables = self.lock();
        Ok(tables
            .inbox(to, page)
            .filter(|message| !message.fetched)
            .take(page_size(page))
            .map(|message| mark_fetched(message, now_ms))
            .collect())
    }

    async fn fetch_all(&self, to: UserId, page: Page, now_ms: i64) -> BackendResult<Vec<Message>> {
        let mut tables = self.lock();
        let mut inbox: Vec<&mut Message> = tables.inbox(to, page).collect();
        let size = page_size(page).min(inbox.len());
        let window = match page.end {
            PageEnd::Oldest => &mut inbox[..size],
            PageEnd::Newest => {
                let start = inbox.len() - size;
                &mut inbox[start..]
            }
        };
        Ok(window
            .iter_mut()
            .map(|message| {
                if message.fetched {
                    message.clone()
                } else {
                    mark_fetched(message, now_ms)
                }
            })
            .collect())
    }

    async fn remove_received(&self, to: UserId, id: MessageId) -> BackendResult<MessageRemoval> {
        let mut tables = self.lock();
        if tables.messages.remove(&(to, id)).is_some() {
            return Ok(MessageRemoval::Removed);
        }
        Ok(if tables.messages.keys().any(|(_, other)| *other == id) {
            MessageRemoval::NotRecipient
        } else {
            MessageRemoval::Missing
        })
    }

    async fn received(&self, to: UserId, id: MessageId) -> BackendResult<Option<Message>> {
        Ok(self.lock().messages.get(&(to, id)).cloned())
    }

    async fn remove_requests(&self, owner: UserId, item: ItemId) -> BackendResult<usize> {
        let item = item.to_string();
        let mut tables = self.lock();
        let before = tables.messages.len();
        tables
            .messages
            .retain(|(to, _), message| !(*to == owner && message.kind == MessageKind::Request && message.data == item));
        Ok(before - tables.messages.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::fixtures::world;

    const ME: UserId = UserId::new(1);
    const YOU: UserId = UserId::new(2);

    fn message(id: i64, to: UserId, kind: MessageKind, data: &str) -> Message {
        Message::new(MessageId::new(id), YOU, to, kind.into(), data.into(), 1000).unwrap()
    }

    async fn world_with_inbox(messages: i64) -> InMemory {
        let world = world(2);
        for id in 1..=messages {
            let pushed = world.messages().push(&message(id, ME, MessageKind::Text, "hi")).await;
            assert_eq!(pushed.unwrap(), Written::Done);
        }
        world
    }

    fn ids(messages: &[Message]) -> Vec<i64> {
        messages.iter().map(|m| m.id.get()).collect()
    }

    #[tokio::test]
    async fn push_needs_the_recipient_and_a_new_id() {
        let world = world_with_inbox(1).await;
        let messages = world.messages();
        let to_nobody = message(2, UserId::new(9), MessageKind::Text, "hi");
        assert_eq!(messages.push(&to_nobody).await.unwrap(), Written::Refused);
        assert_eq!(
            messages
                .push(&message(1, ME, MessageKind::Text, "again"))
                .await
                .unwrap(),
            Written::Refused
        );
        assert_eq!(
            messages.push(&message(1, YOU, MessageKind::Text, "hi")).await.unwrap(),
            Written::Done
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn racing_claims_hand_out_each_message_once() {
        let world = world_with_inbox(200).await;
        let claim = |world: &InMemory| {
            let messages = world.messages();
            tokio::spawn(async move {
                let page = Page {
                    limit: Some(7),
                    ..Page::default()
                };
                let mut won = Vec::new();
                loop {
                    let batch = messages.claim_new(ME, page, 2000).await.unwrap();
                    if batch.is_empty() {
                        return won;
                    }
                    won.extend(batch);
                }
            })
        };
        let (a, b, c) = tokio::join!(claim(&world), claim(&world), claim(&world));
        let mut all: Vec<Message> = [a.unwrap(), b.unwrap(), c.unwrap()].concat();
        assert!(
            all.iter().all(|m| !m.fetched && m.updated_at_ms == 1000),
            "shown as they were"
        );
        all.sort_by_key(|m| m.id);
        assert_eq!(ids(&all), (1..=200).collect::<Vec<_>>());
        assert!(
            world
                .messages_to(ME)
                .iter()
                .all(|m| m.fetched && m.updated_at_ms == 2000)
        );
    }

    #[tokio::test]
    async fn pages_start_after_an_id_and_count_what_they_return() {
        let world = world_with_inbox(5).await;
        let messages = world.messages();
        let page = |after: Option<i64>, limit| Page {
            after: after.map(MessageId::new),
            limit,
            ..Page::default()
        };
        let first = messages.claim_new(ME, page(Some(1), Some(2)), 2).await.unwrap();
        assert_eq!(ids(&first), [2, 3]);
        let rest = messages.claim_new(ME, page(None, None), 2).await.unwrap();
        assert_eq!(ids(&rest), [1, 4, 5]);
        assert!(messages.claim_new(ME, page(None, None), 2).await.unwrap().is_empty());
        let all = messages.fetch_all(ME, page(Some(2), Some(2)), 3).await.unwrap();
        assert_eq!(ids(&all), [3, 4]);
        assert_eq!(ids(&messages.fetch_all(ME, page(None, Some(0)), 3).await.unwrap()), [1]);
    }

    #[tokio::test]
    async fn fetch_all_shows_messages_as_they_were_then_marks_them() {
        let world = world_with_inbox(3).await;
        let messages = world.messages();
        let claimed = messages
            .claim_new(
                ME,
                Page {
                    limit: Some(1),
                    ..Page::default()
                },
                5,
            )
            .await
            .unwrap();
        assert_eq!(ids(&claimed), [1]);
        let all = messages.fetch_all(ME, Page::default(), 6).await.unwrap();
        let flags: Vec<(bool, i64)> = all.iter().map(|m| (m.fetched, m.updated_at_ms)).collect();
        assert_eq!(flags, [(true, 5), (false, 1000), (false, 1000)]);
        assert!(messages.claim_new(ME, Page::default(), 7).await.unwrap().is_empty());
        assert!(world.messages_to(ME).iter().all(|m| m.fetched));
    }

    #[tokio::test]
    async fn a_page_from_the_newest_end_is_the_last_messages_in_id_order_and_only_they_are_marked() {
        let world = world_with_inbox(5).await;
        let messages = world.messages();
        let newest = Page {
            limit: Some(2),
            end: PageEnd::Newest,
            ..Page::default()
        };
        assert_eq!(ids(&messages.fetch_all(ME, newest, 3).await.unwrap()), [4, 5]);
        let unfetched: Vec<i64> = world
            .messages_to(ME)
            .iter()
            .filter(|m| !m.fetched)
            .map(|m| m.id.get())
            .collect();
        assert_eq!(unfetched, [1, 2, 3], "older messages wait for fetchnew");
    }

    #[tokio::test]
    async fn removals_tell_missing_from_someone_elses() {
        let world = world(2);
        let messages = world.messages();
        for (id, to, kind, data) in [
            (1, ME, MessageKind::Request, "7"),
            (2, ME, MessageKind::Request, "8"),
            (3, ME, MessageKind::Text, "7"),
            (4, YOU, MessageKind::Request, "7"),
            (5, ME, MessageKind::Request, "7"),
        ] {
            assert_eq!(
                messages.push(&message(id, to, kind, data)).await.unwrap(),
                Written::Done
            );
        }
        assert_eq!(messages.remove_requests(ME, ItemId::new(7)).await.unwrap(), 2);
        assert_eq!(ids(&world.messages_to(ME)), [2, 3]);
        assert_eq!(
            messages.remove_received(ME, MessageId::new(4)).await.unwrap(),
            MessageRemoval::NotRecipient
        );
        assert_eq!(
            messages.remove_received(ME, MessageId::new(9)).await.unwrap(),
            MessageRemoval::Missing
        );
        assert_eq!(
            messages.remove_received(ME, MessageId::new(3)).await.unwrap(),
            MessageRemoval::Removed
        );
        assert_eq!(ids(&world.messages_to(ME)), [2]);
    }
}
