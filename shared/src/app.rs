//! The composition root: what a container builds once at cold start. Each function's router
//! takes from it only the adapters it uses, so a function constructs nothing it does not call,
//! and only functions that verify login tokens read the JWT secret.

use crate::config::{Config, JwtSecret};
use crate::http::Sessions;
use foof_aws::{self as aws, AwsClients};
use foof_domain::clock::{Clock, SystemClock};
use foof_domain::ports::{
    BlockList, CodeStore, FavoriteStore, IdAllocator, ItemStore, Mailer, MessageStore, ObjectStore, PostingCompactor,
    RateLimiter, RatingStore, ReportStore, SearchIndex, SmsSender, UserStore,
};
use foof_domain::tokens::TokenService;
use std::sync::Arc;

pub struct Adapters {
    config: Config,
    clock: Arc<dyn Clock>,
    clients: AwsClients,
    secret: Vec<u8>,
    /// One allocator per container: every sequence is a row of the one counters table.
    ids: Arc<dyn IdAllocator>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot read the JWT secret from SSM parameter {name}: {reason}")]
    Secret { name: String, reason: String },
}

/// Whether a function checks login tokens, and so needs the real JWT secret at cold start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginTokens {
    Verified,
    /// Images and the compactor: no SSM read at cold start and no grant to make it. They are handed a
    /// throwaway key, so a handler that began to check tokens would refuse them all.
    NotUsed,
}

impl Adapters {
    /// Reads the environment and connects the AWS clients.
    pub async fn from_env(login_tokens: LoginTokens) -> Result<Self, StartupError> {
        Self::build(Config::from_env()?, Arc::new(SystemClock), login_tokens).await
    }

    /// For an explicit configuration and clock (tests move time forward).
    pub async fn from_config(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        Self::build(config, clock, LoginTokens::Verified).await
    }

    async fn build(config: Config, clock: Arc<dyn Clock>, login_tokens: LoginTokens) -> Result<Self, StartupError> {
        let clients = AwsClients::load(&config.endpoints, config.custom_endpoint).await;
        let secret = match login_tokens {
            LoginTokens::Verified => jwt_secret(&config, &clients).await?,
            LoginTokens::NotUsed => random_secret(),
        };
        let ids = Arc::new(aws::DynamoIds::new(
            clients.dynamodb.clone(),
            config.tables.name("counters"),
        ));
        Ok(Self {
            config,
            clock,
            clients,
            secret,
            ids,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn clients(&self) -> &AwsClients {
        &self.clients
    }

    /// Region, credentials and HTTP client, for local tooling that needs a client of another
    /// service (the dev server's stream reader).
    pub fn sdk_config(&self) -> &aws::SdkConfig {
        &self.clients.sdk_config
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn tokens(&self) -> Arc<TokenService> {
        Arc::new(TokenService::new(
            &self.secret,
            self.config.login_token_lifetime,
            self.config.mail_token_lifetime,
            self.clock.clone(),
        ))
    }

    /// Whether login tokens are still current, remembered per router for `session_recheck`.
    pub fn sessions(&self) -> Arc<Sessions> {
        Arc::new(Sessions::new(self.users(), self.clock(), self.config.session_recheck))
    }

    /// Keys the verification-code digests; derived from the JWT secret.
    pub fn code_key(&self) -> Vec<u8> {
        [self.secret.as_slice(), b"/verification-codes"].concat()
    }

    pub fn ids(&self) -> Arc<dyn IdAllocator> {
        self.ids.clone()
    }

    pub fn users(&self) -> Arc<dyn UserStore> {
        Arc::new(aws::DynamoUsers::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    pub fn items(&self) -> Arc<dyn ItemStore> {
        Arc::new(aws::DynamoItems::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
            self.ids(),
            self.clock(),
        ))
    }

    pub fn favorites(&self) -> Arc<dyn FavoriteStore> {
        Arc::new(aws::DynamoFavorites::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
            self.ids(),
        ))
    }

    pub fn messages(&self) -> Arc<dyn MessageStore> {
        Arc::new(aws::DynamoMessages::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    pub fn blocks(&self) -> Arc<dyn BlockList> {
        Arc::new(aws::DynamoBlocks::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    pub fn ratings(&self) -> Arc<dyn RatingStore> {
        Arc::new(aws::DynamoRatings::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    pub fn reports(&self) -> Arc<dyn ReportStore> {
        Arc::new(aws::DynamoReports::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
            self.ids(),
        ))
    }

    pub fn search_index(&self) -> Arc<dyn SearchIndex> {
        Arc::new(aws::DynamoSearchIndex::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    /// The search index reading each term in pages of `rows` (tests of reads racing folds).
    #[cfg(feature = "test-util")]
    pub fn search_index_paged(&self, rows: i32) -> Arc<dyn SearchIndex> {
        Arc::new(aws::DynamoSearchIndex::new(self.clients.dynamodb.clone(), &self.config.tables).paged(rows))
    }

    pub fn compactor(&self) -> Arc<dyn PostingCompactor> {
        Arc::new(aws::DynamoCompactor::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
            self.config.compact_at_deltas,
        ))
    }

    pub fn limits(&self) -> Arc<dyn RateLimiter> {
        Arc::new(aws::DynamoLimits::new(
            self.clients.dynamodb.clone(),
            &self.config.tables,
        ))
    }

    pub fn codes(&self) -> Arc<dyn CodeStore> {
        Arc::new(aws::DynamoCodes::new(
            self.clients.dynamodb.clone(),
            self.config.tables.name("codes"),
        ))
    }

    pub fn sms(&self) -> Arc<dyn SmsSender> {
        Arc::new(aws::SnsSms::new(self.clients.sns.clone()))
    }

    pub fn mail(&self) -> Arc<dyn Mailer> {
        Arc::new(aws::SesMailer::new(
            self.clients.ses.clone(),
            self.config.mail_from.clone(),
        ))
    }

    pub fn objects(&self) -> Arc<dyn ObjectStore> {
        Arc::new(aws::S3Objects::new(
            self.clients.s3.clone(),
            self.config.images_bucket.clone(),
        ))
    }
}

async fn jwt_secret(config: &Config, clients: &AwsClients) -> Result<Vec<u8>, StartupError> {
    match &config.jwt_secret {
        JwtSecret::Value(value) => Ok(value.as_bytes().to_vec()),
        JwtSecret::SsmParameter(name) => aws::read_secure_parameter(&clients.sdk_config, name)
            .await
            .map(String::into_bytes)
            .map_err(|reason| StartupError::Secret {
                name: name.clone(),
                reason,
            }),
        JwtSecret::Generated => {
            tracing::warn!("JWT_SECRET is not set: using a random secret, tokens will not survive a restart");
            Ok(random_secret())
        }
    }
}

fn random_secret() -> Vec<u8> {
    foof_domain::random::bytes::<32>().to_vec()
}
