//! Sending and fetching messages.

use crate::error::ChatError;
use foof_domain::clock::Clock;
use foof_domain::ids::{MessageId, UserId};
use foof_domain::message::{DEFAULT_HISTORY_PAGE, DEFAULT_NEW_PAGE, Message, Page, PageEnd};
use foof_domain::ports::{BlockList, IdAllocator, MessageStore, PushLimits, RateLimiter, Written};
use std::sync::Arc;

/// The chats group's use cases.
pub struct Chats {
    ids: Arc<dyn IdAllocator>,
    messages: Arc<dyn MessageStore>,
    blocks: Arc<dyn BlockList>,
    limits: Arc<dyn RateLimiter>,
    pushes: PushLimits,
    clock: Arc<dyn Clock>,
}

impl Chats {
    pub fn new(
        ids: Arc<dyn IdAllocator>,
        messages: Arc<dyn MessageStore>,
        blocks: Arc<dyn BlockList>,
        limits: Arc<dyn RateLimiter>,
        pushes: PushLimits,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            ids,
            messages,
            blocks,
            limits,
            pushes,
            clock,
        }
    }

    /// Counts a push of `from` in its windows; `false` when either is full.
    async fn within_push_limits(&self, from: UserId, now: i64) -> Result<bool, ChatError> {
        let per_minute = format!("pushes-minute#{from}");
        let per_day = format!("pushes-day#{from}");
        Ok(self.limits.hit(&per_minute, self.pushes.per_minute, now).await?
            && self.limits.hit(&per_day, self.pushes.per_day, now).await?)
    }

    /// Stores a message of `kind` (its wire number) for `to`.
    pub async fn send(&self, from: UserId, to: UserId, kind: i64, data: String) -> Result<(), ChatError> {
        let now = self.clock.now_ms();
        let draft =
            Message::new(MessageId::new(0), from, to, kind, data, now).map_err(|_| ChatError::InvalidRequest)?;
        if !self.within_push_limits(from, now).await? {
            return Err(ChatError::TooFrequent);
        }
        // Counted against the limits all the same, so that probing who blocks you costs pushes.
        if self.blocks.blocks(to, from).await? {
            return Err(ChatError::Blocked);
        }
        let message = Message {
            id: MessageId::new(self.ids.next_id("chats").await?),
            ..draft
        };
        match self.messages.push(&message).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(ChatError::NoSuchUser),
        }
    }

    /// `fetchnew`: what nobody fetched yet, each message handed out once, at most
    /// [`DEFAULT_NEW_PAGE`] when the caller names no limit.
    pub async fn fetch_new(&self, me: UserId, page: Page) -> Result<Vec<Message>, ChatError> {
        let page = Page {
            limit: page.limit.or(Some(DEFAULT_NEW_PAGE)),
            ..page
        };
        Ok(self.messages.claim_new(me, page, self.clock.now_ms()).await?)
    }

    /// `fetchall`: my messages as they were, then marked fetched; without `after` and `limit`
    /// the newest [`DEFAULT_HISTORY_PAGE`] of them (all of them in any inbox but a flooded
    /// one), without `limit` the next that many after `after`.
    pub async fn fetch_all(&self, me: UserId, page: Page) -> Result<Vec<Message>, ChatError> {
        let page = match (page.after, page.limit) {
            (None, None) => Page {
                limit: Some(DEFAULT_HISTORY_PAGE),
                end: PageEnd::Newest,
                ..page
            },
            (Some(_), None) => Page {
                limit: Some(DEFAULT_HISTORY_PAGE),
                ..page
            },
            (_, Some(_)) => page,
        };
        Ok(self.messages.fetch_all(me, page, self.clock.now_ms()).await?)
    }
}
