//! Messages: chat text, and the trade workflow's requests and answers (which the client keys
//! by `type`, with the item id in `data`).

use crate::ids::{MessageId, UserId};
use crate::timestamp::iso8601_millis;
use serde::{Serialize, Serializer};

/// A message's `type`: chat text, or a step of the trade workflow, which the client keys by
/// type with the item id in `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// The buyer confirmed receipt.
    Received = -3,
    /// The seller agreed.
    Agreed = -2,
    /// The seller refused.
    Refused = -1,
    /// A trade request ("我想购买"); `data` is the item id.
    Request = 0,
    /// Chat text.
    Text = 1,
}

impl TryFrom<i64> for MessageKind {
    type Error = InvalidMessage;

    fn try_from(value: i64) -> Result<Self, InvalidMessage> {
        Ok(match value {
            -3 => Self::Received,
            -2 => Self::Agreed,
            -1 => Self::Refused,
            0 => Self::Request,
            1 => Self::Text,
            _ => return Err(InvalidMessage("type")),
        })
    }
}

impl From<MessageKind> for i64 {
    fn from(kind: MessageKind) -> Self {
        kind as i64
    }
}

impl Serialize for MessageKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64((*self).into())
    }
}

pub const MAX_DATA_CHARS: usize = 255;
/// Largest page `fetchnew`/`fetchall` return when asked for one.
pub const MAX_PAGE: usize = 500;
/// What `fetchnew` returns when no `limit` is given: a flooded inbox is handed out a page per
/// poll (the client polls again) instead of in one reply that grows with the flood.
pub const DEFAULT_NEW_PAGE: usize = 100;
/// What `fetchall` returns when no `limit` is given: without `after` too, the newest this
/// many (the client shows its history newest last, so a flood pushes the oldest out of the
/// reply, never the newest); with `after`, the next this many.
pub const DEFAULT_HISTORY_PAGE: usize = MAX_PAGE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub from: UserId,
    pub to: UserId,
    pub kind: MessageKind,
    pub data: String,
    pub fetched: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A message as the client reads it, keys in the wire's (alphabetical) order.
#[derive(Debug, Serialize)]
pub struct MessageView<'a> {
    #[serde(rename = "createdAt")]
    created_at: String,
    data: &'a str,
    fetched: bool,
    from: UserId,
    id: MessageId,
    to: UserId,
    #[serde(rename = "type")]
    kind: MessageKind,
    #[serde(rename = "updatedAt")]
    updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message field {0} is out of range")]
pub struct InvalidMessage(pub &'static str);

impl Message {
    /// A new, unfetched message; the store's id sequence names it.
    pub fn new(
        id: MessageId,
        from: UserId,
        to: UserId,
        kind: i64,
        data: String,
        now_ms: i64,
    ) -> Result<Self, InvalidMessage> {
        let kind = MessageKind::try_from(kind)?;
        let length = data.chars().count();
        if length == 0 || length > MAX_DATA_CHARS {
            return Err(InvalidMessage("data"));
        }
        if to.get() <= 0 {
            return Err(InvalidMessage("to"));
        }
        Ok(Self {
            id,
            from,
            to,
            kind,
            data,
            fetched: false,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        })
    }

    pub fn view(&self) -> MessageView<'_> {
        MessageView {
            created_at: iso8601_millis(self.created_at_ms),
            data: &self.data,
            fetched: self.fetched,
            from: self.from,
            id: self.id,
            to: self.to,
            kind: self.kind,
            updated_at: iso8601_millis(self.updated_at_ms),
        }
    }
}

/// Optional paging of `fetchnew` / `fetchall`: only ids after `after`, at most `limit`, taken
/// from the `end` of that range and returned in id order either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub after: Option<MessageId>,
    pub limit: Option<usize>,
    pub end: PageEnd,
}

/// Which end of the range a page with a `limit` is taken from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageEnd {
    #[default]
    Oldest,
    Newest,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(kind: i64, data: &str) -> Result<Message, InvalidMessage> {
        Message::new(MessageId::new(1), UserId::new(1), UserId::new(2), kind, data.into(), 0)
    }

    #[test]
    fn messages_have_the_original_shape() {
        let message = Message::new(
            MessageId::new(2),
            UserId::new(1),
            UserId::new(1),
            MessageKind::Text.into(),
            "hi, world.".into(),
            1_567_607_345_000,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&message.view()).unwrap(),
            json!({"id":2,"from":1,"to":1,"type":1,"data":"hi, world.","fetched":false,
                   "createdAt":"2019-09-04T14:29:05.000Z","updatedAt":"2019-09-04T14:29:05.000Z"})
            .to_string()
        );
    }

    #[test]
    fn type_and_data_are_bounded() {
        assert_eq!(message(2, "x"), Err(InvalidMessage("type")));
        assert_eq!(message(-4, "x"), Err(InvalidMessage("type")));
        assert_eq!(message(0, ""), Err(InvalidMessage("data")));
        assert_eq!(message(0, &"字".repeat(256)), Err(InvalidMessage("data")));
        assert!(message(0, &"字".repeat(255)).is_ok());
        assert_eq!(message(-3, "5").unwrap().kind, MessageKind::Received);
        for kind in -3..=1 {
            assert_eq!(i64::from(MessageKind::try_from(kind).unwrap()), kind);
        }
    }
}
