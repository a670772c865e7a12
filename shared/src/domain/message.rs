//! Messages: chat text, and the trade workflow's requests and answers (which the client keys
//! by `type`, with the item id in `data`).

use crate::domain::timestamp::iso8601_millis;
use serde_json::{Value, json};

pub mod kind {
    /// Buyer confirmed receipt.
    pub const RECEIVED: i64 = -3;
    /// Seller agreed.
    pub const AGREED: i64 = -2;
    /// Seller refused.
    pub const REFUSED: i64 = -1;
    /// Trade request ("我想购买"); `data` is the item id.
    pub const REQUEST: i64 = 0;
    /// Chat text.
    pub const TEXT: i64 = 1;
}

pub const MAX_DATA_CHARS: usize = 255;
/// Largest page `fetchnew`/`fetchall` return when asked for one.
pub const MAX_PAGE: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub from: i64,
    pub to: i64,
    pub kind: i64,
    pub data: String,
    pub fetched: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message field {0} is out of range")]
pub struct InvalidMessage(pub &'static str);

impl Message {
    pub fn new(id: i64, from: i64, to: i64, kind: i64, data: String, now_ms: i64) -> Result<Self, InvalidMessage> {
        if !(kind::RECEIVED..=kind::TEXT).contains(&kind) {
            return Err(InvalidMessage("type"));
        }
        let length = data.chars().count();
        if length == 0 || length > MAX_DATA_CHARS {
            return Err(InvalidMessage("data"));
        }
        if to <= 0 {
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

    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "from": self.from,
            "to": self.to,
            "type": self.kind,
            "data": self.data,
            "fetched": self.fetched,
            "createdAt": iso8601_millis(self.created_at_ms),
            "updatedAt": iso8601_millis(self.updated_at_ms),
        })
    }
}

/// Optional paging of `fetchnew` / `fetchall`: only ids after `after`, at most `limit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_original_shape() {
        let message = Message::new(2, 1, 1, kind::TEXT, "hi, world.".into(), 1_567_607_345_000).unwrap();
        assert_eq!(
            message.json(),
            json!({"id":2,"from":1,"to":1,"type":1,"data":"hi, world.","fetched":false,
                   "createdAt":"2019-09-04T14:29:05.000Z","updatedAt":"2019-09-04T14:29:05.000Z"})
        );
    }

    #[test]
    fn type_and_data_are_bounded() {
        assert_eq!(Message::new(1, 1, 2, 2, "x".into(), 0), Err(InvalidMessage("type")));
        assert_eq!(Message::new(1, 1, 2, -4, "x".into(), 0), Err(InvalidMessage("type")));
        assert_eq!(Message::new(1, 1, 2, 0, String::new(), 0), Err(InvalidMessage("data")));
        assert_eq!(
            Message::new(1, 1, 2, 0, "字".repeat(256), 0),
            Err(InvalidMessage("data"))
        );
        assert!(Message::new(1, 1, 2, 0, "字".repeat(255), 0).is_ok());
        assert!(Message::new(1, 1, 2, -3, "5".into(), 0).is_ok());
    }
}
