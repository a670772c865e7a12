//! The users group (`/user/*`): accounts, verification codes, profiles, avatars and campus
//! mail verification. `router` is served by this crate's Lambda binary and by the dev server.

mod accounts;
mod error;
mod forms;
mod handlers;
mod mail;
mod mail_page;
mod profile;

pub use accounts::{AccountPorts, AccountRules, Accounts};
pub use mail::{MailPorts, MailRules, MailVerification};
pub use profile::Profiles;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use foof_domain::tokens::TokenService;
use foof_shared::app::Adapters;
use foof_shared::http::{ConfiguredBaseUrl, Sessions};
use std::sync::Arc;

/// The users router's state: its use cases, and what `Authed` and `PublicBaseUrl` read.
#[derive(Clone)]
pub struct UsersState {
    tokens: Arc<TokenService>,
    pub(crate) sessions: Arc<Sessions>,
    base_url: ConfiguredBaseUrl,
    accounts: Arc<Accounts>,
    profiles: Arc<Profiles>,
    mail: Arc<MailVerification>,
}

impl FromRef<UsersState> for Arc<TokenService> {
    fn from_ref(state: &UsersState) -> Self {
        state.tokens.clone()
    }
}

impl FromRef<UsersState> for Arc<Sessions> {
    fn from_ref(state: &UsersState) -> Self {
        state.sessions.clone()
    }
}

impl FromRef<UsersState> for ConfiguredBaseUrl {
    fn from_ref(state: &UsersState) -> Self {
        state.base_url.clone()
    }
}

pub fn router(adapters: &Adapters) -> Router {
    let config = adapters.config();
    let (tokens, users) = (adapters.tokens(), adapters.users());
    let accounts = Accounts::new(
        AccountPorts {
            users: users.clone(),
            ids: adapters.ids(),
            codes: adapters.codes(),
            limits: adapters.limits(),
            sms: adapters.sms(),
            tokens: tokens.clone(),
            clock: adapters.clock(),
        },
        AccountRules {
            codes: config.codes.clone(),
            sms_countries: config.sms_countries.clone(),
            limits: config.limits,
            recent_login: config.recent_login,
            code_key: adapters.code_key(),
        },
    );
    let mail = MailVerification::new(
        MailPorts {
            users: users.clone(),
            mail: adapters.mail(),
            limits: adapters.limits(),
            tokens: tokens.clone(),
            clock: adapters.clock(),
        },
        MailRules {
            domain: config.mail_domain.clone(),
            link_lifetime: config.mail_token_lifetime,
            limits: config.mail,
        },
    );
    let state = UsersState {
        tokens,
        sessions: adapters.sessions(),
        base_url: ConfiguredBaseUrl(config.public_base_url.clone()),
        accounts: Arc::new(accounts),
        profiles: Arc::new(Profiles::new(users, adapters.items(), adapters.objects())),
        mail: Arc::new(mail),
    };
    Router::new()
        .route("/user/{uuid}", get(handlers::public_profile))
        .route("/user/me", post(handlers::me))
        .route("/user/published", post(handlers::published))
        .route("/user/finished", post(handlers::finished))
        .route("/user/login", post(handlers::login))
        .route("/user/register", post(handlers::register))
        .route("/user/reset", post(handlers::reset))
        .route("/user/requirecode", post(handlers::require_code))
        .route("/user/avatar", post(handlers::avatar))
        .route("/user/modify", post(handlers::modify))
        .route("/user/mail/verify", post(handlers::send_mail_verification))
        .route(
            "/user/mail/verify/{token}",
            get(handlers::mail_page).post(handlers::confirm_mail),
        )
        .with_state(state)
}
