//! Trust and safety: reports of listings, users and messages, blocks between users, and the
//! moderators' decisions on reports. The rules and numbers are in docs/api.md ("Trust and safety").

use crate::ids::{ReportId, UserId};
use crate::timestamp::iso8601_millis;
use serde::Serialize;

/// Longest report note and moderator's reason, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
/// Longest suspension a moderator may give at once, in days.
pub const MAX_SUSPENSION_DAYS: i64 = 365;
/// Largest page of the moderation queue, and the page when none is asked for.
pub const MAX_QUEUE_PAGE: usize = 100;
pub const DEFAULT_QUEUE_PAGE: usize = 20;
/// Why a listing is hidden when enough distinct users reported it: the owner reads this, and
/// only a listing hidden for this reason comes back when its reports are dismissed.
pub const PENDING_REVIEW: &str = "reported by several users, pending review";

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Item,
    User,
    Message,
}

impl TargetKind {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "item" => Self::Item,
            "user" => Self::User,
            "message" => Self::Message,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "item",
            Self::User => "user",
            Self::Message => "message",
        }
    }
}

/// The reported thing: a kind and that kind's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: TargetKind,
    pub id: i64,
}

/// Why something is reported: a fixed list, so that reports can be triaged by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Spam,
    Fraud,
    Prohibited,
    Offensive,
    Harassment,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Self::Spam,
        Self::Fraud,
        Self::Prohibited,
        Self::Offensive,
        Self::Harassment,
        Self::Other,
    ];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Fraud => "fraud",
            Self::Prohibited => "prohibited",
            Self::Offensive => "offensive",
            Self::Harassment => "harassment",
            Self::Other => "other",
        }
    }
}

/// A free text of a report or a decision: at most [`MAX_NOTE_CHARS`], no control characters
/// but line breaks (`\n`, or `\r\n` as forms send them) and tabs, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a note is over {MAX_NOTE_CHARS} characters or holds control characters")]
pub struct InvalidNote;

impl Note {
    pub fn parse(value: &str) -> Result<Self, InvalidNote> {
        let value = value.trim();
        let allowed = |c: char| matches!(c, '\n' | '\r' | '\t');
        if value.chars().count() > MAX_NOTE_CHARS || value.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(InvalidNote);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: ReportId,
    pub target: Target,
    /// The user the report is about: the reported user, the listing's owner, or the message's
    /// sender. A suspension on this report suspends them.
    pub subject: UserId,
    pub reporter: UserId,
    pub reason: Reason,
    pub note: Note,
    /// What the target said when it was reported (the listing's title, the user's name, the
    /// message's text), kept as evidence: its author may change or delete it meanwhile.
    pub content: String,
    pub created_at_ms: i64,
}

/// A report as a moderator reads it, keys in the wire's (alphabetical) order.
#[derive(Debug, Serialize)]
pub struct ReportView<'a> {
    content: &'a str,
    #[serde(rename = "createdAt")]
    created_at: String,
    id: ReportId,
    kind: &'static str,
    note: &'a str,
    reason: &'static str,
    reporter: UserId,
    subject: UserId,
    target: i64,
}

impl Report {
    pub fn view(&self) -> ReportView<'_> {
        ReportView {
            content: &self.content,
            created_at: iso8601_millis(self.created_at_ms),
            id: self.id,
            kind: self.target.kind.as_str(),
            note: self.note.as_str(),
            reason: self.reason.as_str(),
            reporter: self.reporter,
            subject: self.subject,
            target: self.target.id,
        }
    }
}

/// What filing a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    New(ReportId),
    /// The reporter already has an open report of this target: that one stands, unchanged.
    Repeat(ReportId),
}

impl Filed {
    pub fn id(self) -> ReportId {
        match self {
            Self::New(id) | Self::Repeat(id) => id,
        }
    }
}

/// What a moderator decides on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing against anyone; a listing hidden pending review comes back if too few open
    /// reports are left to keep it hidden.
    Dismiss,
    /// The reported listing is hidden: deleted for everyone but its owner, who reads why.
    Hide,
    /// The report's subject cannot log in, and every token they hold stops working.
    Suspend { days: i64 },
}

impl Action {
    /// From the wire: `action` and, for a suspension, `days` (1 to [`MAX_SUSPENSION_DAYS`]).
    pub fn parse(action: &str, days: Option<i64>) -> Option<Self> {
        match (action, days) {
            ("dismiss", None) => Some(Self::Dismiss),
            ("hide", None) => Some(Self::Hide),
            ("suspend", Some(days)) if (1..=MAX_SUSPENSION_DAYS).contains(&days) => Some(Self::Suspend { days }),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::Hide => "hide",
            Self::Suspend { .. } => "suspend",
        }
    }
}

/// Who closed a report, when, how and why: kept on the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub action: Action,
    pub moderator: UserId,
    pub at_ms: i64,
    pub why: Note,
}

/// One user blocked by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub blocked: UserId,
    pub created_at_ms: i64,
}

/// A block as its owner reads it.
#[derive(Debug, Serialize)]
pub struct BlockView {
    #[serde(rename = "createdAt")]
    created_at: String,
    uuid: UserId,
}

impl Block {
    pub fn view(&self) -> BlockView {
        BlockView {
            created_at: iso8601_millis(self.created_at_ms),
            uuid: self.blocked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_kinds_read_back_what_they_write() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        for kind in [TargetKind::Item, TargetKind::User, TargetKind::Message] {
            assert_eq!(TargetKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Reason::parse("Spam"), None, "exact, lower case");
        assert_eq!(TargetKind::parse("chat"), None);
    }

    #[test]
    fn a_note_is_bounded_and_plain() {
        assert_eq!(Note::parse("  卖假货 \n").unwrap().as_str(), "卖假货");
        assert!(Note::parse(&"字".repeat(MAX_NOTE_CHARS)).is_ok());
        assert_eq!(Note::parse(&"字".repeat(MAX_NOTE_CHARS + 1)), Err(InvalidNote));
        assert_eq!(Note::parse("a\u{0}b"), Err(InvalidNote));
        assert!(Note::parse("line\nbreak").is_ok());
        assert!(Note::parse("form\r\nline\tbreak").is_ok());
    }

    #[test]
    fn a_suspension_needs_days_in_range_and_the_others_none() {
        assert_eq!(Action::parse("dismiss", None), Some(Action::Dismiss));
        assert_eq!(Action::parse("hide", None), Some(Action::Hide));
        assert_eq!(Action::parse("suspend", Some(7)), Some(Action::Suspend { days: 7 }));
        assert_eq!(Action::parse("suspend", None), None);
        assert_eq!(Action::parse("suspend", Some(0)), None);
        assert_eq!(Action::parse("suspend", Some(MAX_SUSPENSION_DAYS + 1)), None);
        assert_eq!(Action::parse("hide", Some(3)), None);
        assert_eq!(Action::parse("delete", None), None);
    }
}
