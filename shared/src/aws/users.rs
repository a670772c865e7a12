//! Users in DynamoDB: `{prefix}-users` keyed by `uuid`, and `{prefix}-phones` keyed by the
//! E.164 phone, whose conditional put is what makes phone numbers unique.

use super::attributes::{Item, n, number, s, text};
use super::batch::{get_by_ids, get_one};
use super::errors::{condition_failed, corrupt, unavailable};
use super::postings::posting_changes;
use super::transact::{Assignments, transact};
use crate::config::Config;
use crate::domain::search::{Corpus, DocumentTerms, document_terms};
use crate::domain::user::{ProfileChanges, PublicProfile, User};
use crate::ports::{BackendResult, UserStore, Written};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};

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
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config) -> Self {
        Self {
            client,
            users: config.table("users"),
            phones: config.table("phones"),
            postings: config.table("postings"),
        }
    }

    /// Applies `sets` to the profile as read in `current` (same username and info, re-checked)
    /// and moves its postings accordingly, in one transaction; `Ok(false)` if it changed meanwhile.
    async fn transact_indexed(
        &self,
        current: &User,
        sets: &[(&str, AttributeValue)],
        new_terms: &DocumentTerms,
    ) -> BackendResult<bool> {
        let clause = Assignments::set(sets)
            .value(":oldUsername", s(&current.username))
            .value(":oldInfo", s(&current.info));
        let update = Update::builder()
            .table_name(&self.users)
            .key("uuid", n(current.uuid))
            .update_expression(clause.expression)
            .condition_expression("username = :oldUsername AND info = :oldInfo")
            .set_expression_attribute_names(Some(clause.names))
            .set_expression_attribute_values(Some(clause.values))
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        let mut writes = vec![TransactWriteItem::builder().update(update).build()];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Users,
            current.uuid,
            &user_terms(current),
            new_terms,
        )?);
        Ok(transact(&self.client, writes).await?.is_none())
    }

    /// An `UpdateItem` on an existing user only; `None` when the user does not exist.
    async fn update_existing(
        &self,
        uuid: i64,
        sets: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
        return_old: bool,
    ) -> BackendResult<Option<Item>> {
        let clause = Assignments::set(sets).name("#uuid", "uuid");
        let request = self
            .client
            .update_item()
            .table_name(&self.users)
            .key("uuid", n(uuid))
            .update_expression(clause.expression)
            .condition_expression("attribute_exists(#uuid)")
            .set_expression_attribute_names(Some(clause.names))
            .set_expression_attribute_values(Some(clause.values))
            .return_values(if return_old {
                ReturnValue::UpdatedOld
            } else {
                ReturnValue::None
            });
        match request.send().await {
            Ok(reply) => Ok(Some(reply.attributes.unwrap_or_default())),
            Err(e) if condition_failed(&e) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn user_item(user: &User) -> Item {
    Item::from([
        ("uuid".to_owned(), n(user.uuid)),
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

fn user_from_item(item: &Item) -> BackendResult<User> {
    Ok(User {
        uuid: number(item, "uuid")?,
        username: text(item, "username")?,
        phonenumber: text(item, "phonenumber")?,
        idcard: text(item, "idcard")?,
        studentid: text(item, "studentid")?,
        address: text(item, "address")?,
        avatarurl: text(item, "avatarurl")?,
        verified_idcard: text(item, "verifiedIdcard")?,
        score: number(item, "score")?,
        info: text(item, "info")?,
        password_hash: text(item, "password")?,
    })
}

fn public_profile_from_item(item: &Item) -> BackendResult<PublicProfile> {
    Ok(PublicProfile {
        uuid: number(item, "uuid")?,
        username: text(item, "username")?,
        info: text(item, "info")?,
        address: text(item, "address")?,
        score: number(item, "score")?,
    })
}

fn put(table: &str, item: Item, key: &str) -> BackendResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#key)")
        .expression_attribute_names("#key", key)
        .build()
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

#[async_trait]
impl UserStore for DynamoUsers {
    async fn get(&self, uuid: i64) -> BackendResult<Option<User>> {
        get_one(&self.client, &self.users, "uuid", n(uuid))
            .await?
            .as_ref()
            .map(user_from_item)
            .transpose()
    }

    async fn public_profiles(&self, uuids: &[i64]) -> BackendResult<Vec<PublicProfile>> {
        let rows = get_by_ids(
            &self.client,
            &self.users,
            "uuid",
            uuids,
            &["uuid", "username", "info", "address", "score"],
        )
        .await?;
        rows.iter().map(public_profile_from_item).collect()
    }

    async fn uuid_for_phone(&self, phone_e164: &str) -> BackendResult<Option<i64>> {
        get_one(&self.client, &self.phones, "phone", s(phone_e164))
            .await?
            .as_ref()
            .map(|item| number(item, "uuid"))
            .transpose()
    }

    async fn create(&self, user: &User, phone_e164: &str) -> BackendResult<Written> {
        let phone_claim = Item::from([("phone".to_owned(), s(phone_e164)), ("uuid".to_owned(), n(user.uuid))]);
        let mut writes = vec![
            put(&self.phones, phone_claim, "phone")?,
            put(&self.users, user_item(user), "uuid")?,
        ];
        writes.extend(posting_changes(
            &self.postings,
            Corpus::Users,
            user.uuid,
            &DocumentTerms::default(),
            &user_terms(user),
        )?);
        Ok(match transact(&self.client, writes).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }

    async fn update_profile(&self, uuid: i64, changes: &ProfileChanges) -> BackendResult<Written> {
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
        if changes.username.is_some() || changes.info.is_some() {
            for _ in 0..ATTEMPTS {
                let Some(current) = self.get(uuid).await? else {
                    return Ok(Written::Refused);
                };
                let username = changes.username.as_deref().unwrap_or(&current.username);
                let info = changes.info.as_deref().unwrap_or(&current.info);
                if self
                    .transact_indexed(&current, &sets, &document_terms(username, info))
                    .await?
                {
                    return Ok(Written::Done);
                }
            }
            return Err(crate::ports::BackendError::Unavailable(
                "the profile kept changing during the edit".into(),
            ));
        }
        let exists = if sets.is_empty() {
            self.get(uuid).await?.is_some()
        } else {
            self.update_existing(uuid, &sets, false).await?.is_some()
        };
        Ok(if exists { Written::Done } else { Written::Refused })
    }

    async fn replace_avatar(&self, uuid: i64, avatarurl: &str) -> BackendResult<Option<String>> {
        let old = self.update_existing(uuid, &[("avatarurl", s(avatarurl))], true).await?;
        old.map(|item| text(&item, "avatarurl")).transpose()
    }

    async fn confirm_idcard(&self, uuid: i64, idcard: &str) -> BackendResult<Written> {
        let sets = [("idcard", s(idcard)), ("verifiedIdcard", s(idcard))];
        Ok(match self.update_existing(uuid, &sets, false).await? {
            Some(_) => Written::Done,
            None => Written::Refused,
        })
    }
}
