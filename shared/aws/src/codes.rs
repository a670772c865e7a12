//! Verification codes in DynamoDB, one item per phone. Every rule is a condition on a single
//! `UpdateItem`, so racing requests cannot both pass a limit or both use one code.
//!
//! Item: `phone` (key), `digest`, `expiresAt` (ms), `tries`, `sentAt` (ms), `sent_YYYYMMDD`
//! (codes sent that UTC day) and `ttl` (epoch seconds, DynamoDB TTL).

use super::attributes::{n, s};
use super::update::{ConditionalUpdate, Updated};
use async_trait::async_trait;
use foof_domain::codes::CodePolicy;
use foof_domain::ports::{BackendResult, CodeCheck, CodeIssue, CodeStore};
use foof_domain::timestamp::{next_utc_midnight_ms, utc_day};

pub struct DynamoCodes {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoCodes {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }

    fn update(&self, phone: &str, update: &str) -> ConditionalUpdate {
        ConditionalUpdate::new(&self.table, "phone", s(phone), update)
    }
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait]
impl CodeStore for DynamoCodes {
    async fn issue(&self, phone: &str, digest: &str, now_ms: i64, policy: &CodePolicy) -> BackendResult<CodeIssue> {
        let expires_at = now_ms + millis(policy.lifetime);
        let ttl_seconds = expires_at.max(next_utc_midnight_ms(now_ms)) / 1000;
        let update = self
            .update(
                phone,
                "SET digest = :digest, expiresAt = :expires, tries = :zero, sentAt = :now, \
                 #today = if_not_exists(#today, :zero) + :one, #ttl = :ttl REMOVE #yesterday",
            )
            .when(
                "(attribute_not_exists(sentAt) OR sentAt <= :resendBefore) \
                 AND (attribute_not_exists(#today) OR #today < :cap)",
            )
            .name("#today", &format!("sent_{}", utc_day(now_ms)))
            .name("#yesterday", &format!("sent_{}", utc_day(now_ms - 86_400_000)))
            .name("#ttl", "ttl")
            .value(":digest", s(digest))
            .value(":expires", n(expires_at))
            .value(":zero", n(0))
            .value(":one", n(1))
            .value(":now", n(now_ms))
            .value(":ttl", n(ttl_seconds))
            .value(":resendBefore", n(now_ms - millis(policy.resend_interval)))
            .value(":cap", n(i64::from(policy.daily_cap)));
        Ok(match update.send(&self.client).await? {
            Updated::Applied(_) => CodeIssue::Issued,
            Updated::Refused(_) => CodeIssue::TooFrequent,
        })
    }

    async fn withdraw(&self, phone: &str, digest: &str, now_ms: i64) -> BackendResult<()> {
        // Refused when a newer code replaced this one: then there is nothing to take back.
        self.update(phone, "REMOVE digest, expiresAt, tries, sentAt ADD #today :minusOne")
            .when("digest = :digest")
            .name("#today", &format!("sent_{}", utc_day(now_ms)))
            .value(":digest", s(digest))
            .value(":minusOne", n(-1))
            .send(&self.client)
            .await
            .map(drop)
    }

    /// A guess first takes one of the code's tries in one conditional write, and only a guess
    /// that got a try is judged: however many guesses arrive at once, at most `max_tries` of
    /// them are ever compared with the code.
    async fn check(&self, phone: &str, digest: &str, now_ms: i64, policy: &CodePolicy) -> BackendResult<CodeCheck> {
        let take_a_try = self
            .update(phone, "ADD tries :one")
            .when("attribute_exists(digest) AND expiresAt > :now AND tries < :maxTries")
            .value(":one", n(1))
            .value(":now", n(now_ms))
            .value(":maxTries", n(i64::from(policy.max_tries)))
            .returning_new();
        let code = match take_a_try.send(&self.client).await? {
            Updated::Applied(code) => code,
            Updated::Refused(current) if current.contains_key("digest") => return Ok(CodeCheck::Rejected),
            Updated::Refused(_) => return Ok(CodeCheck::NoneRequested),
        };
        if code.get("digest") != Some(&s(digest)) {
            return Ok(CodeCheck::Rejected);
        }
        // Right: use the code up, unless a racing right guess or a new code got there first.
        let use_up = self
            .update(phone, "REMOVE digest, expiresAt, tries")
            .when("digest = :digest")
            .value(":digest", s(digest));
        Ok(match use_up.send(&self.client).await? {
            Updated::Applied(_) => CodeCheck::Accepted,
            Updated::Refused(_) => CodeCheck::Rejected,
        })
    }
}
