//! Verification codes in DynamoDB, one item per phone. Every rule is a condition on a single
//! `UpdateItem`, so racing requests cannot both pass a limit or both use one code.
//!
//! Item: `phone` (key), `digest`, `expiresAt` (ms), `tries`, `sentAt` (ms), `sent_YYYYMMDD`
//! (codes sent that UTC day) and `ttl` (epoch seconds, DynamoDB TTL).

use super::attributes::{Item, n, number, optional_number, s};
use super::errors::{condition_failed, unavailable};
use crate::domain::codes::CodePolicy;
use crate::domain::timestamp::{next_utc_midnight_ms, utc_day};
use crate::ports::{BackendResult, CodeCheck, CodeIssue, CodeStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

pub struct DynamoCodes {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoCodes {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }

    async fn count_wrong_guess(&self, phone: &str, digest: &AttributeValue) -> BackendResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("phone", s(phone))
            .update_expression("ADD tries :one")
            .condition_expression("digest = :digest")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":digest", digest.clone())
            .send()
            .await;
        match result {
            // A new code replaced the guessed one meanwhile: nothing to count.
            Err(e) if condition_failed(&e) => Ok(()),
            other => other.map(drop).map_err(unavailable),
        }
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
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("phone", s(phone))
            .update_expression(
                "SET digest = :digest, expiresAt = :expires, tries = :zero, sentAt = :now, \
                 #today = if_not_exists(#today, :zero) + :one, #ttl = :ttl REMOVE #yesterday",
            )
            .condition_expression(
                "(attribute_not_exists(sentAt) OR sentAt <= :resendBefore) \
                 AND (attribute_not_exists(#today) OR #today < :cap)",
            )
            .expression_attribute_names("#today", format!("sent_{}", utc_day(now_ms)))
            .expression_attribute_names("#yesterday", format!("sent_{}", utc_day(now_ms - 86_400_000)))
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":digest", s(digest))
            .expression_attribute_values(":expires", n(expires_at))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":ttl", n(ttl_seconds))
            .expression_attribute_values(":resendBefore", n(now_ms - millis(policy.resend_interval)))
            .expression_attribute_values(":cap", n(i64::from(policy.daily_cap)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(CodeIssue::Issued),
            Err(e) if condition_failed(&e) => Ok(CodeIssue::TooFrequent),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn withdraw(&self, phone: &str, digest: &str, now_ms: i64) -> BackendResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("phone", s(phone))
            .update_expression("REMOVE digest, expiresAt, tries, sentAt ADD #today :minusOne")
            .condition_expression("digest = :digest")
            .expression_attribute_names("#today", format!("sent_{}", utc_day(now_ms)))
            .expression_attribute_values(":digest", s(digest))
            .expression_attribute_values(":minusOne", n(-1))
            .send()
            .await;
        match result {
            Err(e) if condition_failed(&e) => Ok(()),
            other => other.map(drop).map_err(unavailable),
        }
    }

    async fn check(&self, phone: &str, digest: &str, now_ms: i64, policy: &CodePolicy) -> BackendResult<CodeCheck> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("phone", s(phone))
            .update_expression("REMOVE digest, expiresAt, tries")
            .condition_expression("digest = :digest AND expiresAt > :now AND tries < :maxTries")
            .expression_attribute_values(":digest", s(digest))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":maxTries", n(i64::from(policy.max_tries)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let current: Item = match result {
            Ok(_) => return Ok(CodeCheck::Accepted),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => failed.item.unwrap_or_default(),
                other => return Err(unavailable(other)),
            },
            Err(e) => return Err(unavailable(e)),
        };
        let Some(stored_digest) = current.get("digest") else {
            return Ok(CodeCheck::NoneRequested);
        };
        let still_guessable = optional_number(&current, "expiresAt")?.is_some_and(|exp| exp > now_ms)
            && number(&current, "tries").unwrap_or(i64::MAX) < i64::from(policy.max_tries);
        if still_guessable {
            self.count_wrong_guess(phone, stored_digest).await?;
        }
        Ok(CodeCheck::Rejected)
    }
}
