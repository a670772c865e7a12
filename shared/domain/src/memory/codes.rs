//! The `codes` table, one row per phone, with the rules `foof_aws::DynamoCodes` writes as
//! update conditions: resend interval, daily cap per UTC day, lifetime and tries.

use super::InMemory;
use crate::codes::CodePolicy;
use crate::ports::{BackendResult, CodeCheck, CodeIssue, CodeStore};
use crate::timestamp::utc_day;
use async_trait::async_trait;
use std::collections::HashMap;

/// A phone's row. The code's fields are absent together when no code is outstanding;
/// `sent_at` outlives an accepted code, so the resend interval still holds after a login.
#[derive(Default)]
pub(super) struct CodeRow {
    digest: Option<String>,
    expires_at: i64,
    tries: i64,
    sent_at: Option<i64>,
    /// Codes sent per UTC day (`utc_day`); a withdrawn code counts -1 on the day it is
    /// withdrawn, as the adapter's `ADD` does.
    sent_per_day: HashMap<String, i64>,
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait]
impl CodeStore for InMemory {
    /// With a daily cap of 0 the first code of a day is still issued: the adapter's condition
    /// lets a day without a count through.
    async fn issue(&self, phone: &str, digest: &str, now_ms: i64, policy: &CodePolicy) -> BackendResult<CodeIssue> {
        let mut tables = self.lock();
        let row = tables.codes.entry(phone.to_owned()).or_default();
        let today = utc_day(now_ms);
        let resent_too_soon = row
            .sent_at
            .is_some_and(|sent| sent > now_ms.saturating_sub(millis(policy.resend_interval)));
        let over_cap = row
            .sent_per_day
            .get(&today)
            .is_some_and(|&sent| sent >= i64::from(policy.daily_cap));
        if resent_too_soon || over_cap {
            return Ok(CodeIssue::TooFrequent);
        }
        row.digest = Some(digest.to_owned());
        row.expires_at = now_ms.saturating_add(millis(policy.lifetime));
        row.tries = 0;
        row.sent_at = Some(now_ms);
        *row.sent_per_day.entry(today).or_insert(0) += 1;
        row.sent_per_day.remove(&utc_day(now_ms - 86_400_000));
        Ok(CodeIssue::Issued)
    }

    async fn withdraw(&self, phone: &str, digest: &str, now_ms: i64) -> BackendResult<()> {
        let mut tables = self.lock();
        let Some(row) = tables.codes.get_mut(phone) else {
            return Ok(());
        };
        // A newer code replaced this one: there is nothing to take back.
        if row.digest.as_deref() != Some(digest) {
            return Ok(());
        }
        row.digest = None;
        row.sent_at = None;
        *row.sent_per_day.entry(utc_day(now_ms)).or_insert(0) -= 1;
        Ok(())
    }

    /// Only a guess at a live code uses a try; a guess at an expired or used-up code does not.
    async fn check(&self, phone: &str, digest: &str, now_ms: i64, policy: &CodePolicy) -> BackendResult<CodeCheck> {
        let mut tables = self.lock();
        let Some(row) = tables.codes.get_mut(phone).filter(|row| row.digest.is_some()) else {
            return Ok(CodeCheck::NoneRequested);
        };
        let guessable = row.expires_at > now_ms && row.tries < i64::from(policy.max_tries);
        if !guessable {
            return Ok(CodeCheck::Rejected);
        }
        if row.digest.as_deref() == Some(digest) {
            row.digest = None;
            return Ok(CodeCheck::Accepted);
        }
        row.tries += 1;
        Ok(CodeCheck::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PHONE: &str = "+8613800138000";
    /// 2019-09-04T14:29:05Z.
    const T0: i64 = 1_567_607_345_000;
    const MINUTE: i64 = 60_000;

    fn policy() -> CodePolicy {
        CodePolicy {
            lifetime: Duration::from_secs(600),
            max_tries: 3,
            resend_interval: Duration::from_secs(60),
            daily_cap: 3,
        }
    }

    #[tokio::test]
    async fn a_right_code_is_accepted_once() {
        let codes = InMemory::new().codes();
        assert_eq!(
            codes.check(PHONE, "d", T0, &policy()).await.unwrap(),
            CodeCheck::NoneRequested
        );
        assert_eq!(codes.issue(PHONE, "d", T0, &policy()).await.unwrap(), CodeIssue::Issued);
        assert_eq!(
            codes.check(PHONE, "d", T0 + 1, &policy()).await.unwrap(),
            CodeCheck::Accepted
        );
        assert_eq!(
            codes.check(PHONE, "d", T0 + 2, &policy()).await.unwrap(),
            CodeCheck::NoneRequested
        );
    }

    #[tokio::test]
    async fn wrong_guesses_use_up_the_tries() {
        let codes = InMemory::new().codes();
        codes.issue(PHONE, "d", T0, &policy()).await.unwrap();
        for _ in 0..3 {
            assert_eq!(
                codes.check(PHONE, "x", T0, &policy()).await.unwrap(),
                CodeCheck::Rejected
            );
        }
        assert_eq!(
            codes.check(PHONE, "d", T0, &policy()).await.unwrap(),
            CodeCheck::Rejected,
            "out of tries"
        );
        codes.issue(PHONE, "e", T0 + MINUTE, &policy()).await.unwrap();
        assert_eq!(
            codes.check(PHONE, "e", T0 + MINUTE, &policy()).await.unwrap(),
            CodeCheck::Accepted,
            "a new code has its own tries"
        );
    }

    #[tokio::test]
    async fn codes_expire() {
        let codes = InMemory::new().codes();
        codes.issue(PHONE, "d", T0, &policy()).await.unwrap();
        assert_eq!(
            codes.check(PHONE, "d", T0 + 10 * MINUTE, &policy()).await.unwrap(),
            CodeCheck::Rejected
        );
    }

    #[tokio::test]
    async fn resends_wait_and_each_day_has_a_cap() {
        let codes = InMemory::new().codes();
        let issue = |at: i64| {
            let codes = codes.clone();
            async move { codes.issue(PHONE, "d", at, &policy()).await.unwrap() }
        };
        assert_eq!(issue(T0).await, CodeIssue::Issued);
        assert_eq!(issue(T0 + MINUTE - 1).await, CodeIssue::TooFrequent);
        assert_eq!(issue(T0 + MINUTE).await, CodeIssue::Issued);
        assert_eq!(issue(T0 + 2 * MINUTE).await, CodeIssue::Issued);
        assert_eq!(issue(T0 + 3 * MINUTE).await, CodeIssue::TooFrequent, "three a day");
        let next_day = crate::timestamp::next_utc_midnight_ms(T0);
        assert_eq!(issue(next_day).await, CodeIssue::Issued);
    }

    #[tokio::test]
    async fn a_withdrawn_code_frees_the_phone_at_once() {
        let codes = InMemory::new().codes();
        codes.issue(PHONE, "d", T0, &policy()).await.unwrap();
        codes.withdraw(PHONE, "other", T0).await.unwrap();
        assert_eq!(
            codes.issue(PHONE, "e", T0, &policy()).await.unwrap(),
            CodeIssue::TooFrequent
        );
        codes.withdraw(PHONE, "d", T0).await.unwrap();
        assert_eq!(
            codes.check(PHONE, "d", T0, &policy()).await.unwrap(),
            CodeCheck::NoneRequested
        );
        for digest in ["e", "f", "g"] {
            codes.withdraw(PHONE, "x", T0).await.unwrap();
            assert_eq!(
                codes.issue(PHONE, digest, T0, &policy()).await.unwrap(),
                CodeIssue::Issued
            );
            codes.withdraw(PHONE, digest, T0).await.unwrap();
        }
        assert_eq!(
            codes.issue(PHONE, "h", T0, &policy()).await.unwrap(),
            CodeIssue::Issued,
            "withdrawn codes do not count against the day"
        );
    }
}
