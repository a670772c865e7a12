//! AWS adapters for the ports. Each client is built once per container; timeouts and the
//! retry budget are explicit so that a dead backend costs a bounded time (see docs/reliability.md).
//!
//! Adapters (one per port) never import each other; what two of them share lives in a helper
//! module: row formats (`attributes`, `item_rows`, `posting_rows`), request idioms (`update`,
//! `transact`, `batch`, `query`, `claims`), and `errors`.

// Adapters.
mod blocks;
mod codes;
mod compaction;
mod favorites;
mod ids;
mod items;
mod limits;
mod mail;
mod messages;
mod objects;
mod postings;
mod ratings;
mod reports;
mod sms;
mod users;

// Helpers the adapters share.
mod attributes;
mod batch;
mod claims;
mod errors;
mod http_client;
mod item_rows;
#[cfg(feature = "test-util")]
mod metrics;
mod posting_rows;
mod query;
mod transact;
mod update;

pub use blocks::DynamoBlocks;
pub use codes::DynamoCodes;
pub use compaction::DynamoCompactor;
pub use favorites::DynamoFavorites;
pub use ids::DynamoIds;
pub use items::DynamoItems;
pub use limits::DynamoLimits;
pub use mail::SesMailer;
pub use messages::DynamoMessages;
#[cfg(feature = "test-util")]
pub use metrics::aws_calls;
pub use objects::S3Objects;
pub use postings::DynamoSearchIndex;
pub use ratings::DynamoRatings;
pub use reports::DynamoReports;
pub use sms::SnsSms;
pub use users::DynamoUsers;

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::time::Duration;

/// Per attempt: connect within 1 s, answer within 2 s; at most 2 attempts within 5 s in all.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
pub const MAX_ATTEMPTS: u32 = 2;

/// Endpoints that replace the SDK's own, for emulators: `sam local` sets them per function,
/// and fault tests point one service at a dead port.
#[derive(Clone, Debug, Default)]
pub struct EndpointOverrides {
    pub dynamodb: Option<String>,
    /// S3, SES and SNS.
    pub others: Option<String>,
}

/// The table names of one stack: `{prefix}-{table}`, the prefix being the stack's name.
#[derive(Clone, Debug)]
pub struct Tables {
    prefix: String,
}

impl Tables {
    pub fn with_prefix(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into() }
    }

    pub fn name(&self, table: &str) -> String {
        format!("{}-{table}", self.prefix)
    }
}

#[derive(Clone)]
pub struct AwsClients {
    pub sdk_config: SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_ses::Client,
    pub sns: aws_sdk_sns::Client,
}

impl AwsClients {
    /// Region, credentials and endpoints come from the standard AWS environment
    /// (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, … for emulators), unless `endpoints`
    /// overrides one. S3 needs path-style URLs on an emulator.
    pub async fn load(endpoints: &EndpointOverrides, s3_path_style: bool) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client::https_client())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(endpoint) = &endpoints.others {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk_config = loader.load().await;
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk_config);
        if let Some(endpoint) = &endpoints.dynamodb {
            dynamodb = dynamodb.endpoint_url(endpoint);
        }
        let s3 = aws_sdk_s3::config::Builder::from(&sdk_config)
            .force_path_style(s3_path_style || endpoints.others.is_some());
        let ses = aws_sdk_ses::config::Builder::from(&sdk_config);
        let sns = aws_sdk_sns::config::Builder::from(&sdk_config);
        // Tests count the calls a request makes; a Lambda binary never carries the counter.
        #[cfg(feature = "test-util")]
        let (dynamodb, s3, ses, sns) = (
            dynamodb.interceptor(metrics::CountCalls),
            s3.interceptor(metrics::CountCalls),
            ses.interceptor(metrics::CountCalls),
            sns.interceptor(metrics::CountCalls),
        );
        Self {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            ses: aws_sdk_ses::Client::from_conf(ses.build()),
            sns: aws_sdk_sns::Client::from_conf(sns.build()),
            sdk_config,
        }
    }
}

/// A read that opens a connection to DynamoDB and finds nothing: each function opens its
/// connections with a read its role already allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpeningRead {
    /// User 0, whom no one is (ids start at 1): what every token check reads.
    NoUser,
    /// The statistics shard 0 of the search index (the compactor reads the postings table).
    SearchStatistics,
}

impl AwsClients {
    /// Opens `count` connections to DynamoDB, concurrently so that each takes one of its own.
    pub async fn open_dynamodb(&self, tables: &Tables, read: OpeningRead, count: usize) -> Result<(), String> {
        let (table, key) = match read {
            OpeningRead::NoUser => (
                tables.name("users"),
                HashMap::from([("uuid".to_owned(), AttributeValue::N("0".into()))]),
            ),
            OpeningRead::SearchStatistics => (
                tables.name("postings"),
                HashMap::from([
                    ("term".to_owned(), AttributeValue::S("#stats#g".into())),
                    ("doc".to_owned(), AttributeValue::N("0".into())),
                ]),
            ),
        };
        let calls = (0..count).map(|_| {
            self.dynamodb
                .get_item()
                .table_name(&table)
                .set_key(Some(key.clone()))
                .send()
        });
        match futures_util::future::join_all(calls)
            .await
            .into_iter()
            .find_map(Result::err)
        {
            Some(error) => Err(errors::unavailable(error).to_string()),
            None => Ok(()),
        }
    }

    /// Opens a connection to S3 with a `HeadObject` of `key`.
    pub async fn open_bucket(&self, bucket: &str, key: &str) -> Result<(), String> {
        match self.s3.head_object().bucket(bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(errors::unavailable(error).to_string()),
        }
    }
}

/// Reads and decrypts an SSM SecureString (the JWT secret on AWS).
pub async fn read_secure_parameter(sdk_config: &SdkConfig, name: &str) -> Result<String, String> {
    let reply = aws_sdk_ssm::Client::new(sdk_config)
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| aws_sdk_ssm::error::DisplayErrorContext(e).to_string())?;
    reply
        .parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "the parameter has no value".to_owned())
}
