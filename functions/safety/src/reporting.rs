//! Filing a report, and hiding a listing that enough distinct users reported.

use crate::error::SafetyError;
use crate::use_cases::Safety;
use foof_domain::ids::{ItemId, MessageId, ReportId, UserId};
use foof_domain::ports::Written;
use foof_domain::safety::{Note, PENDING_REVIEW, Reason, Report, Target, TargetKind};

impl Safety {
    /// `reporter` reports `target`; a repeat of an open report returns that report's id.
    pub async fn report(
        &self,
        reporter: UserId,
        target: Target,
        reason: Reason,
        note: Note,
    ) -> Result<ReportId, SafetyError> {
        let (subject, content) = self.subject_of(reporter, target).await?;
        if subject == reporter {
            return Err(SafetyError::SelfReport);
        }
        let report = Report {
            id: ReportId::new(0),
            target,
            subject,
            reporter,
            reason,
            note,
            content,
            created_at_ms: self.ports.clock.now_ms(),
        };
        let key = format!("reports-day#{reporter}");
        if !self
            .ports
            .limits
            .hit(&key, self.limits.reports_per_day, report.created_at_ms)
            .await?
        {
            return Err(SafetyError::TooFrequent);
        }
        let filed = self.ports.reports.file(&report).await?;
        // A repeat checks again: the hide of the report it repeats may have failed.
        if target.kind == TargetKind::Item {
            self.hide_if_reported_enough(target).await?;
        }
        Ok(filed.id())
    }

    /// Who the report is about, and what the target says; the target must be one the reporter
    /// can see.
    async fn subject_of(&self, reporter: UserId, target: Target) -> Result<(UserId, String), SafetyError> {
        match target.kind {
            TargetKind::Item => self
                .ports
                .items
                .get(ItemId::new(target.id))
                .await?
                .filter(|item| !item.deleted)
                .map(|item| (item.owner, item.title))
                .ok_or(SafetyError::NoSuchItem),
            TargetKind::User => self
                .ports
                .users
                .get(UserId::new(target.id))
                .await?
                .map(|user| (user.id, user.username))
                .ok_or(SafetyError::NoSuchUser),
            // Only a message one received: no one can report (or learn of) others' messages.
            TargetKind::Message => self
                .ports
                .messages
                .received(reporter, MessageId::new(target.id))
                .await?
                .map(|message| (message.from, message.data))
                .ok_or(SafetyError::NoSuchMessage),
        }
    }

    /// Counted after the report is stored, so of reports racing to the threshold at least the
    /// last one sees it reached; hiding twice is harmless.
    async fn hide_if_reported_enough(&self, target: Target) -> Result<(), SafetyError> {
        if self.ports.reports.open_reporters(target).await? >= self.limits.reports_to_hide {
            let hidden = self.ports.items.hide(ItemId::new(target.id), PENDING_REVIEW).await?;
            if hidden == Written::Done {
                tracing::info!(item = target.id, "listing hidden pending review");
            }
        }
        Ok(())
    }
}
