//! Users in DynamoDB: `{prefix}-users` keyed by `uuid`, and `{prefix}-phones` keyed by the
//! E.164 phone, whose conditional put is what makes phone numbers unique.

use super::attributes::{Row, n, number, optional_number, s, text};
use super::batch::{get_by_ids, get_one};
use super::errors::corrupt;
use super::posting_rows::posting_changes;
use super::transact::{put_new, transact};
use super::update::{ConditionalUpdate, Updated};
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use foof_domain::ids::UserId;
use foof_domain::ports::{BackendError, BackendResult, UserStore, Written};
use foof_domain::rating::score;
use foof_domain::search::{Corpus, DocumentTerms, document_terms};
use foof_domain::user::{ProfileChanges, PublicProfile, User};

const USER_ID: &str = "uuid";
/// Absent on rows from before token versions: version 0.
const TOKEN_VERSION: &str = "tokenVersion";
/// The login id kept through the last password change; absent or 0: none.
const KEPT_LOGIN: &str = "keptLogin";

/// `"moderator"` on the users an operator made moderators (scripts/moderator.py); absent otherwise.
const ROLE: &str = "role";
const MODERATOR: &str = "moderator";
/// Until when (epoch ms) a moderator suspended the user; absent: never.
const SUSPENDED_UNTIL: &str = "suspendedUntil";

/// How many ratings the user received, and what they are worth in all (`rating::score`); both
/// absent until the first rating.
pub(crate) const RATING_COUNT: &str = "ratingCount";
pub(crate) const RATING_POINTS: &str = "ratingPoints";
/// The raters (a number set of uuids) whose first rating of the user counted in those totals.
pub(crate) const RATED_BY: &str = "ratedBy";

/// The score `score` shows: the stored one (the default) until ratings came, then theirs.
fn score_of(row: &Row) -> BackendResult<(i64, i64)> {
    Ok(match optional_number(row, RATING_COUNT)? {
        Some(count) => (score(count, optional_number(row, RATING_POINTS)?.unwrap_or(0)), count),
        None => (number(row, "score")?, 0),
    })
}

/// The login (its token's login id, 0 for none) that outlives a password change.
#[derive(Clone, Copy)]
struct Kept(i64);

/// Attempts of a profile edit that lost a race with another edit of the same profile.
const ATTEMPTS: usize = 3;

fn user_terms(user: &User) -> DocumentTerms {
    document_terms(&user.username, &user.info)
}

pub struct DynamoUsers {
    client: aws_sdk_dynamodb::Client,
    users: String,
    phones: String,
    postings: String,
}

impl DynamoUsers {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            users: tables.name("users"),
            phones: tables.name("phones"),
            postings: tables.name("postings"),
        }
    }

    /// `SET` of `sets`; with `ended_logins`, the token version moves on too, so every login
    /// token issued before stops working but the kept one (0: none).
    fn update(&self, user: UserId, sets: &[(&str, AttributeValue)], ended_logins: Option<Kept>) -> ConditionalUpdate {
        let update = ConditionalUpdate::set(&self.users, USER_ID, n(user.get()), sets);
        let Some(Kept(kept)) = ended_logins else {
            return update;
        };
        update
            .also_set("#tokenVersion = if_not_exists(#tokenVersion, :zero) + :one, #kept = :kept")
            .name("#tokenVersion", TOKEN_VERSION)
            .name("#kept", KEPT_LOGIN)
            .value(":zero", n(0))
            .value(":one", n(1))
            .value(":kept", n(kept))
    }

    /// Applies `sets` to the profile as read in `current` (same username and info, re-checked)
    /// and moves its postings accordingly, in one transaction; `Ok(false)` if it changed meanwhile.
    async fn transact_indexed(
        &self,
        current: &User,
        sets: &[(&str, AttributeValue)],
        ended_logins: Option<Kept>,
        new_terms: Option<&DocumentTerms>,
    ) -> BackendResult<bool> {
        let update = self
            .update(current.id, sets, ended_logins)
            .when("username = :oldUsername AND info = :oldInfo")
            .value(":oldUsername", s(&current.username))
            .value(":oldInfo", s(&current.info));
        let mut writes = vec![update.into_step()?];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Users,
            current.id.get(),
            Some(&user_terms(current)),
            new_terms,
        )?);
        Ok(transact(&self.client, writes).await?.is_none())
    }

    /// `sets` on an existing user only; `None` when the user does not exist, else the changed
    /// attributes as they were.
    async fn update_existing(
        &self,
        user: UserId,
        sets: &[(&str, AttributeValue)],
        ended_logins: Option<Kept>,
    ) -> BackendResult<Option<Row>> {
        let update = self
            .update(user, sets, ended_logins)
            .when("attribute_exists(#uuid)")
            .name("#uuid", USER_ID)
            .returning_old();
        Ok(match update.send(&self.client).await? {
            Updated::Applied(old) => Some(old),
            Updated::Refused(_) => None,
        })
    }
}

fn user_row(user: &User) -> Row {
    Row::from([
        (USER_ID.to_owned(), n(user.id.get())),
        ("username".to_owned(), s(&user.username)),
        ("phonenumber".to_owned(), s(&user.phonenumber)),
        ("idcard".to_owned(), s(&user.idcard)),
        ("studentid".to_owned(), s(&user.studentid)),
        ("address".to_owned(), s(&user.address)),
        ("avatarurl".to_owned(), s(&user.avatarurl)),
        ("verifiedIdcard".to_owned(), s(&user.verified_idcard)),
        ("score".to_owned(), n(user.score)),
        ("info".to_owned(), s(&user.info)),
        ("password".to_owned(), s(&user.password_hash)),
    ])
}

fn user_from_row(row: &Row) -> BackendResult<User> {
    let (score, ratings) = score_of(row)?;
    Ok(User {
        id: UserId::new(number(row, USER_ID)?),
        username: text(row, "username")?,
        phonenumber: text(row, "phonenumber")?,
        idcard: text(row, "idcard")?,
        studentid: text(row, "studentid")?,
        address: text(row, "address")?,
        avatarurl: text(row, "avatarurl")?,
        verified_idcard: text(row, "verifiedIdcard")?,
        token_version: optional_number(row, TOKEN_VERSION)?
            .map_or(Ok(0), u32::try_from)
            .map_err(|_| corrupt("token version"))?,
        kept_login: optional_number(row, KEPT_LOGIN)?.filter(|login| *login != 0),
        score,
        ratings,
        info: text(row, "info")?,
        password_hash: text(row, "password")?,
        moderator: matches!(row.get(ROLE), Some(AttributeValue::S(role)) if role == MODERATOR),
        suspended_until_ms: optional_number(row, SUSPENDED_UNTIL)?,
    })
}

/// The attributes a user search hit reads.
const PUBLIC_PROFILE_ATTRIBUTES: [&str; 7] = [
    USER_ID,
    "username",
    "info",
    "address",
    "score",
    RATING_COUNT,
    RATING_POINTS,
];

fn public_profile_from_row(row: &Row) -> BackendResult<PublicProfile> {
    Ok(PublicProfile {
        id: UserId::new(number(row, USER_ID)?),
        username: text(row, "username")?,
        info: text(row, "info")?,
        address: text(row, "address")?,
        score: score_of(row)?.0,
    })
}

#[async_trait]
impl UserStore for DynamoUsers {
    async fn get(&self, user: UserId) -> BackendResult<Option<User>> {
        get_one(&self.client, &self.users, USER_ID, n(user.get()))
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn public_profiles(&self, users: &[UserId]) -> BackendResult<Vec<PublicProfile>> {
        let rows = get_by_ids(&self.client, &self.users, USER_ID, users, &PUBLIC_PROFILE_ATTRIBUTES).await?;
        rows.iter().map(public_profile_from_row).collect()
    }

    async fn user_for_phone(&self, phone_e164: &str) -> BackendResult<Option<UserId>> {
        get_one(&self.client, &self.phones, "phone", s(phone_e164))
            .await?
            .as_ref()
            .map(|row| number(row, USER_ID).map(UserId::new))
            .transpose()
    }

    async fn create(&self, user: &User, phone_e164: &str) -> BackendResult<Written> {
        let phone_claim = Row::from([
            ("phone".to_owned(), s(phone_e164)),
            (USER_ID.to_owned(), n(user.id.get())),
        ]);
        let mut writes = vec![
            put_new(&self.phones, phone_claim, "phone")?,
            put_new(&self.users, user_row(user), USER_ID)?,
        ];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Users,
            user.id.get(),
            None,
            Some(&user_terms(user)),
        )?);
        Ok(match transact(&self.client, writes).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }

    async fn update_profile(&self, user: UserId, changes: &ProfileChanges) -> BackendResult<Written> {
        let fields = [
            ("username", &changes.username),
            ("idcard", &changes.idcard),
            ("studentid", &changes.studentid),
            ("address", &changes.address),
            ("info", &changes.info),
            ("password", &changes.password_hash),
        ];
        let sets: Vec<_> = fields
            .iter()
            .filter_map(|(name, value)| value.as_ref().map(|v| (*name, s(v))))
            .collect();
        let ended_logins = changes
            .password_hash
            .as_ref()
            .map(|_| Kept(changes.keep_login.unwrap_or(0)));
        if changes.username.is_some() || changes.info.is_some() {
            for _ in 0..ATTEMPTS {
                let Some(current) = self.get(user).await? else {
                    return Ok(Written::Refused);
                };
                let username = changes.username.as_deref().unwrap_or(&current.username);
                let info = changes.info.as_deref().unwrap_or(&current.info);
                if self
                    .transact_indexed(&current, &sets, ended_logins, Some(&document_terms(username, info)))
                    .await?
                {
                    return Ok(Written::Done);
                }
            }
            return Err(BackendError::Unavailable(
                "the profile kept changing during the edit".into(),
            ));
        }
        let exists = if sets.is_empty() {
            self.get(user).await?.is_some()
        } else {
            self.update_existing(user, &sets, ended_logins).await?.is_some()
        };
        Ok(if exists { Written::Done } else { Written::Refused })
    }

    async fn replace_avatar(&self, user: UserId, avatar_path: &str) -> BackendResult<Option<String>> {
        let old = self
            .update_existing(user, &[("avatarurl", s(avatar_path))], None)
            .await?;
        old.map(|row| text(&row, "avatarurl")).transpose()
    }

    async fn request_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written> {
        Ok(
            match self
                .update_existing(user, &[("pendingIdcard", s(idcard))], None)
                .await?
            {
                Some(_) => Written::Done,
                None => Written::Refused,
            },
        )
    }

    async fn confirm_idcard(&self, user: UserId, idcard: &str) -> BackendResult<Written> {
        let confirm = ConditionalUpdate::new(
            &self.users,
            USER_ID,
            n(user.get()),
            "SET idcard = :card, verifiedIdcard = :card REMOVE pendingIdcard",
        )
        .when("pendingIdcard = :card")
        .value(":card", s(idcard));
        Ok(confirm.send(&self.client).await?.into())
    }

    /// A shorter suspension than the one in force changes nothing: the longer one stands.
    async fn suspend(&self, user: UserId, until_ms: i64) -> BackendResult<Written> {
        let suspend = self
            .update(user, &[(SUSPENDED_UNTIL, n(until_ms))], Some(Kept(0)))
            .when("attribute_exists(#uuid) AND (attribute_not_exists(#until) OR #until < :until)")
            .name("#uuid", USER_ID)
            .name("#until", SUSPENDED_UNTIL)
            .value(":until", n(until_ms));
        Ok(match suspend.send(&self.client).await? {
            Updated::Applied(_) => Written::Done,
            Updated::Refused(old) if !old.is_empty() => Written::Done,
            Updated::Refused(_) => Written::Refused,
        })
    }
}
