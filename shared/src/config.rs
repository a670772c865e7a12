//! Configuration, read from the environment once per container (cold start).

use foof_aws::{EndpointOverrides, Tables};
use foof_domain::codes::CodePolicy;
use foof_domain::phone::{InvalidCallingCodes, SmsCountries};
use foof_domain::ports::{AbuseLimits, Limit, MailLimits, PushLimits};
use std::env;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{name} must be a positive whole number, got {value:?}")]
    NotANumber { name: &'static str, value: String },
    #[error("SMS_COUNTRY_CODES: {0}")]
    CallingCodes(#[from] InvalidCallingCodes),
}

/// Where the JWT signing secret comes from.
#[derive(Clone, Debug)]
pub enum JwtSecret {
    /// `JWT_SECRET`, for local runs.
    Value(String),
    /// `JWT_SECRET_PARAMETER`: the name of an SSM SecureString, read at cold start on AWS.
    SsmParameter(String),
    /// Neither is set: a random secret for this process only (tokens die with it).
    Generated,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The table names (`{TABLE_PREFIX}-users`, …); the prefix is the stack name on AWS.
    pub tables: Tables,
    pub images_bucket: String,
    /// Base of the links in verification mail; `None`: the domain the request came in on.
    pub public_base_url: Option<String>,
    pub mail_from: String,
    pub mail_domain: String,
    pub jwt_secret: JwtSecret,
    pub login_token_lifetime: Duration,
    pub mail_token_lifetime: Duration,
    /// How long a container trusts what it read of a user's token version (see
    /// `http::Sessions`): a password reset elsewhere ends old tokens here within this time.
    pub session_recheck: Duration,
    /// How long after a login its token may change the password without the old one.
    pub recent_login: Duration,
    pub codes: CodePolicy,
    /// Where verification codes may be texted (`SMS_COUNTRY_CODES`).
    pub sms_countries: SmsCountries,
    /// Abuse limits (fixed windows, see docs/reliability.md).
    pub limits: AbuseLimits,
    /// Messages one sender may push.
    pub pushes: PushLimits,
    /// Verification mail per account and per mailbox.
    pub mail: MailLimits,
    /// Distinct users with an open report of a listing that hide it pending review.
    pub reports_to_hide: usize,
    /// Reports one user may file a day (`REPORTS_PER_DAY`).
    pub reports_per_day: Limit,
    /// Most users one user may block (`MAX_BLOCKS`): a blocker's search reads each one's listings.
    pub max_blocks: usize,
    /// How long an open listing stays up without an edit or a renewal (`LISTING_MAX_AGE_DAYS`).
    pub listing_max_age: Duration,
    /// Deltas a search term gathers before the compactor packs them into its blocks.
    pub compact_at_deltas: usize,
    /// Set when AWS_ENDPOINT_URL points the SDK at an emulator (S3 then needs path-style URLs).
    pub custom_endpoint: bool,
    /// Endpoints that override the SDK's: `EMULATOR_ENDPOINT_URL` and
    /// `EMULATOR_DYNAMODB_ENDPOINT_URL`, which template.yaml declares (empty on AWS) so that
    /// `sam local` can set them; fault tests point one service at a dead port.
    pub endpoints: EndpointOverrides,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let jwt_secret = match (non_empty("JWT_SECRET"), non_empty("JWT_SECRET_PARAMETER")) {
            (Some(value), _) => JwtSecret::Value(value),
            (None, Some(name)) => JwtSecret::SsmParameter(name),
            (None, None) => JwtSecret::Generated,
        };
        Ok(Self {
            tables: Tables::with_prefix(text("TABLE_PREFIX", "foof")),
            images_bucket: text("IMAGES_BUCKET", "foof-images"),
            public_base_url: non_empty("PUBLIC_BASE_URL").map(|url| url.trim_end_matches('/').to_owned()),
            mail_from: text("MAIL_FROM", "noreply@foof.local"),
            mail_domain: text("MAIL_DOMAIN", "seu.edu.cn"),
            jwt_secret,
            login_token_lifetime: Duration::from_secs(86_400 * number("LOGIN_TOKEN_DAYS", 30)?),
            mail_token_lifetime: Duration::from_secs(60 * number("MAIL_TOKEN_MINUTES", 30)?),
            session_recheck: Duration::from_secs(number("SESSION_RECHECK_SECONDS", 60)?),
            recent_login: Duration::from_secs(60 * number("RECENT_LOGIN_MINUTES", 10)?),
            codes: CodePolicy {
                lifetime: Duration::from_secs(number("CODE_LIFETIME_SECONDS", 600)?),
                max_tries: number("CODE_MAX_TRIES", 5)? as u32,
                resend_interval: Duration::from_secs(number("CODE_RESEND_SECONDS", 60)?),
                daily_cap: number("CODE_DAILY_CAP", 10)? as u32,
            },
            sms_countries: non_empty("SMS_COUNTRY_CODES")
                .map(|list| SmsCountries::parse(&list))
                .transpose()?
                .unwrap_or_default(),
            limits: AbuseLimits {
                codes_per_source: limit("CODE_REQUESTS_PER_SOURCE_PER_HOUR", 20, 3_600_000)?,
                codes_per_phone_per_source: limit("CODE_REQUESTS_PER_PHONE_PER_SOURCE_PER_DAY", 5, 86_400_000)?,
                failed_logins: limit("FAILED_LOGINS_PER_15_MINUTES", 5, 900_000)?,
                failed_logins_per_phone: limit("FAILED_LOGINS_PER_PHONE_PER_15_MINUTES", 20, 900_000)?,
                failed_logins_per_source: limit("FAILED_LOGINS_PER_SOURCE_PER_15_MINUTES", 100, 900_000)?,
                sms_per_hour: limit("SMS_PER_HOUR", 500, 3_600_000)?,
            },
            mail: MailLimits {
                per_account: limit("MAIL_PER_ACCOUNT_PER_DAY", 5, 86_400_000)?,
                per_address: limit("MAIL_PER_ADDRESS_PER_DAY", 3, 86_400_000)?,
            },
            pushes: PushLimits {
                per_minute: limit("PUSHES_PER_MINUTE", 30, 60_000)?,
                per_day: limit("PUSHES_PER_DAY", 1000, 86_400_000)?,
            },
            reports_per_day: limit("REPORTS_PER_DAY", 20, 86_400_000)?,
            max_blocks: usize::try_from(number("MAX_BLOCKS", 100)?).unwrap_or(usize::MAX),
            listing_max_age: Duration::from_secs(86_400 * number("LISTING_MAX_AGE_DAYS", 90)?),
            reports_to_hide: usize::try_from(number("REPORTS_TO_HIDE", 3)?).unwrap_or(usize::MAX),
            compact_at_deltas: usize::try_from(number("COMPACT_AT_DELTAS", 64)?).unwrap_or(usize::MAX),
            custom_endpoint: non_empty("AWS_ENDPOINT_URL").is_some() || non_empty("AWS_ENDPOINT_URL_S3").is_some(),
            endpoints: EndpointOverrides {
                dynamodb: non_empty("EMULATOR_DYNAMODB_ENDPOINT_URL"),
                others: non_empty("EMULATOR_ENDPOINT_URL"),
            },
        })
    }
}

fn non_empty(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn text(name: &str, default: &str) -> String {
    non_empty(name).unwrap_or_else(|| default.to_owned())
}

/// At most `NAME` (default `default`) events per window of `window_ms`.
fn limit(name: &'static str, default: u64, window_ms: i64) -> Result<Limit, ConfigError> {
    Ok(Limit {
        max: u32::try_from(number(name, default)?).unwrap_or(u32::MAX),
        window_ms,
    })
}

fn number(name: &'static str, default: u64) -> Result<u64, ConfigError> {
    match non_empty(name) {
        None => Ok(default),
        Some(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 && n <= u64::from(u32::MAX) => Ok(n),
            _ => Err(ConfigError::NotANumber { name, value }),
        },
    }
}
