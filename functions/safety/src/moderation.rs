//! The moderation queue and the decisions on its reports.

use crate::error::SafetyError;
use crate::use_cases::Safety;
use foof_domain::ids::{ItemId, ReportId, UserId};
use foof_domain::item::{EXPIRED, Item};
use foof_domain::ports::Written;
use foof_domain::safety::{Action, Note, PENDING_REVIEW, Report, Resolution, TargetKind};

const DAY_MS: i64 = 86_400_000;

impl Safety {
    /// My listings that a moderator or enough reports hid, each with why.
    pub async fn hidden_of(&self, owner: UserId) -> Result<Vec<Item>, SafetyError> {
        Ok(self.ports.items.hidden_of(owner).await?)
    }

    /// Open reports, oldest first, after `after`.
    pub async fn queue(
        &self,
        moderator: UserId,
        after: Option<ReportId>,
        limit: usize,
    ) -> Result<Vec<Report>, SafetyError> {
        self.require_moderator(moderator).await?;
        Ok(self.ports.reports.open(after, limit).await?)
    }

    /// Carries out `action` on the report's target, then closes the report with who, when, how
    /// and why. The action comes first: if closing fails, the report stays open and a retry
    /// repeats an action that is the same done twice. Returns the report it closed.
    pub async fn resolve(
        &self,
        moderator: UserId,
        id: ReportId,
        action: Action,
        why: Note,
    ) -> Result<Report, SafetyError> {
        self.require_moderator(moderator).await?;
        let (report, resolution) = self.ports.reports.get(id).await?.ok_or(SafetyError::NoSuchReport)?;
        if resolution.is_some() {
            return Err(SafetyError::AlreadyResolved);
        }
        let now = self.ports.clock.now_ms();
        match action {
            Action::Hide if report.target.kind != TargetKind::Item => return Err(SafetyError::InvalidRequest),
            // Those reasons are the system's own: a renewal or a dismissal would undo such a hide.
            Action::Hide if [EXPIRED, PENDING_REVIEW].contains(&why.as_str()) => {
                return Err(SafetyError::InvalidRequest);
            }
            // A listing its owner deleted meanwhile has nothing left to hide.
            Action::Hide => {
                self.ports
                    .items
                    .hide(ItemId::new(report.target.id), why.as_str())
                    .await?;
            }
            Action::Suspend { days } => {
                self.ports
                    .users
                    .suspend(report.subject, now.saturating_add(days.saturating_mul(DAY_MS)))
                    .await?;
            }
            // This report's claim still counts: the listing comes back if the others are too few.
            Action::Dismiss if report.target.kind == TargetKind::Item => {
                if self.ports.reports.open_reporters(report.target).await? <= self.limits.reports_to_hide {
                    self.ports
                        .items
                        .reveal(ItemId::new(report.target.id), PENDING_REVIEW)
                        .await?;
                }
            }
            Action::Dismiss => {}
        }
        let resolution = Resolution {
            action,
            moderator,
            at_ms: now,
            why,
        };
        if self.ports.reports.close(&report, &resolution).await? == Written::Refused {
            return Err(SafetyError::AlreadyResolved);
        }
        tracing::info!(report = %id, action = action.as_str(), %moderator, "report resolved");
        Ok(report)
    }
}
