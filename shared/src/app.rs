//! One set of adapters per container, built at cold start and shared by every request.

use crate::aws::{self, AwsClients};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, JwtSecret};
use crate::domain::tokens::TokenService;
use crate::ports::{
    CodeStore, FavoriteStore, IdAllocator, ItemStore, Mailer, MessageStore, ObjectStore, RateLimiter, SearchIndex,
    SmsSender, UserStore,
};
use std::sync::Arc;

/// The state every router is built on. Cloning is cheap (one `Arc`).
pub type App = Arc<Services>;

pub struct Services {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenService,
    /// Keys the verification-code digests; derived from the JWT secret.
    pub code_key: Vec<u8>,
    pub ids: Arc<dyn IdAllocator>,
    pub users: Arc<dyn UserStore>,
    pub codes: Arc<dyn CodeStore>,
    pub items: Arc<dyn ItemStore>,
    pub favorites: Arc<dyn FavoriteStore>,
    pub messages: Arc<dyn MessageStore>,
    pub search: Arc<dyn SearchIndex>,
    pub limits: Arc<dyn RateLimiter>,
    pub sms: Arc<dyn SmsSender>,
    pub mail: Arc<dyn Mailer>,
    pub objects: Arc<dyn ObjectStore>,
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
    /// Search and images: no SSM read at cold start and no grant to make it. They are handed a
    /// throwaway key, so a handler that began to check tokens would refuse them all.
    NotUsed,
}

impl Services {
    /// Reads the environment and builds the AWS-backed adapters.
    pub async fn from_env(login_tokens: LoginTokens) -> Result<App, StartupError> {
        Self::build(Config::from_env()?, Arc::new(SystemClock), login_tokens).await
    }

    /// Adapters for an explicit configuration and clock (tests move time forward).
    pub async fn from_config(config: Config, clock: Arc<dyn Clock>) -> Result<App, StartupError> {
        Self::build(config, clock, LoginTokens::Verified).await
    }

    async fn build(config: Config, clock: Arc<dyn Clock>, login_tokens: LoginTokens) -> Result<App, StartupError> {
        let clients = AwsClients::load(&config).await;
        let secret = match login_tokens {
            LoginTokens::Verified => jwt_secret(&config, &clients).await?,
            LoginTokens::NotUsed => random_secret(),
        };
        Ok(Arc::new(Self::assemble(config, clients, clock, &secret)))
    }

    fn assemble(config: Config, clients: AwsClients, clock: Arc<dyn Clock>, secret: &[u8]) -> Self {
        let tokens = TokenService::new(
            secret,
            config.login_token_lifetime,
            config.mail_token_lifetime,
            clock.clone(),
        );
        let code_key = [secret, b"/verification-codes"].concat();
        let ids: Arc<dyn IdAllocator> =
            Arc::new(aws::DynamoIds::new(clients.dynamodb.clone(), config.table("counters")));
        Self {
            items: Arc::new(aws::DynamoItems::new(clients.dynamodb.clone(), &config, ids.clone())),
            favorites: Arc::new(aws::DynamoFavorites::new(
                clients.dynamodb.clone(),
                &config,
                ids.clone(),
            )),
            messages: Arc::new(aws::DynamoMessages::new(clients.dynamodb.clone(), &config)),
            search: Arc::new(aws::DynamoSearchIndex::new(clients.dynamodb.clone(), &config)),
            limits: Arc::new(aws::DynamoLimits::new(clients.dynamodb.clone(), &config)),
            ids,
            users: Arc::new(aws::DynamoUsers::new(clients.dynamodb.clone(), &config)),
            codes: Arc::new(aws::DynamoCodes::new(clients.dynamodb.clone(), config.table("codes"))),
            sms: Arc::new(aws::SnsSms::new(clients.sns.clone())),
            mail: Arc::new(aws::SesMailer::new(clients.ses.clone(), config.mail_from.clone())),
            objects: Arc::new(aws::S3Objects::new(clients.s3.clone(), config.images_bucket.clone())),
            tokens,
            code_key,
            clock,
            config,
        }
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
    let mut secret = vec![0u8; 32];
    getrandom::fill(&mut secret).expect("the OS random source is available");
    secret
}
