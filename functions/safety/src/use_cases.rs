//! The safety group's use cases, over the ports they touch. Filing reports, blocking and
//! moderating are in their own modules; this one holds what they share.

use crate::error::SafetyError;
use foof_domain::clock::Clock;
use foof_domain::ids::UserId;
use foof_domain::ports::{BlockList, ItemStore, Limit, MessageStore, RateLimiter, ReportStore, UserStore};
use std::sync::Arc;

pub struct Safety {
    pub(crate) ports: SafetyPorts,
    pub(crate) limits: SafetyLimits,
}

/// The numbers the rules use (configuration, docs/api.md).
#[derive(Clone, Copy, Debug)]
pub struct SafetyLimits {
    /// Distinct users with an open report of a listing that hide it pending review.
    pub reports_to_hide: usize,
    /// Most users one user may block.
    pub max_blocks: usize,
    /// Reports one user may file (repeats included), so that no one floods the queue.
    pub reports_per_day: Limit,
}

/// The ports [`Safety`] works over.
pub struct SafetyPorts {
    pub users: Arc<dyn UserStore>,
    pub items: Arc<dyn ItemStore>,
    pub messages: Arc<dyn MessageStore>,
    pub blocks: Arc<dyn BlockList>,
    pub reports: Arc<dyn ReportStore>,
    pub limits: Arc<dyn RateLimiter>,
    pub clock: Arc<dyn Clock>,
}

impl Safety {
    pub fn new(ports: SafetyPorts, limits: SafetyLimits) -> Self {
        Self {
            ports,
            limits: SafetyLimits {
                reports_to_hide: limits.reports_to_hide.max(1),
                ..limits
            },
        }
    }

    /// Refuses anyone an operator did not make a moderator.
    pub(crate) async fn require_moderator(&self, user: UserId) -> Result<(), SafetyError> {
        match self.ports.users.get(user).await? {
            Some(user) if user.moderator => Ok(()),
            _ => Err(SafetyError::NotModerator),
        }
    }
}
