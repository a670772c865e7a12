//! Sending and fetching messages.

use crate::error::ChatError;
use foof_domain::clock::Clock;
use foof_domain::ids::{MessageId, UserId};
use foof_domain::message::{Message, Page};
use foof_domain::ports::{IdAllocator, MessageStore, Written};
use std::sync::Arc;

/// The chats group's use cases.
pub struct Chats {
    ids: Arc<dyn IdAllocator>,
    messages: Arc<dyn MessageStore>,
    clock: Arc<dyn Clock>,
}

impl Chats {
    pub fn new(ids: Arc<dyn IdAllocator>, messages: Arc<dyn MessageStore>, clock: Arc<dyn Clock>) -> Self {
        Self { ids, messages, clock }
    }

    /// Stores a message of `kind` (its wire number) for `to`.
    pub async fn send(&self, from: UserId, to: UserId, kind: i64, data: String) -> Result<(), ChatError> {
        let now = self.clock.now_ms();
        let draft =
            Message::new(MessageId::new(0), from, to, kind, data, now).map_err(|_| ChatError::InvalidRequest)?;
        let message = Message {
            id: MessageId::new(self.ids.next_id("chats").await?),
            ..draft
        };
        match self.messages.push(&message).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(ChatError::NoSuchUser),
        }
    }

    /// `fetchnew`: what nobody fetched yet, each message handed out once.
    pub async fn fetch_new(&self, me: UserId, page: Page) -> Result<Vec<Message>, ChatError> {
        Ok(self.messages.claim_new(me, page, self.clock.now_ms()).await?)
    }

    /// `fetchall`: every message to me, then all marked fetched.
    pub async fn fetch_all(&self, me: UserId, page: Page) -> Result<Vec<Message>, ChatError> {
        Ok(self.messages.fetch_all(me, page, self.clock.now_ms()).await?)
    }
}
