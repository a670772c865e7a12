//! Users in DynamoDB: `{prefix}-users` keyed by `uuid`, and `{prefix}-phones` keyed by the
//! E.164 phone, whose conditional put is what makes phone numbers unique.

use super::attributes::{n, number, s, text, Item};
use super::errors::{corrupt, unavailable};
use crate::config::Config;
use crate::domain::user::{ProfileChanges, User};
use crate::ports::{BackendResult, UserStore, Written};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};

pub struct DynamoUsers {
    client: aws_sdk_dynamodb::Client,
    users: String,
    phones: String,
}

impl DynamoUsers {
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config) -> Self {
        Self { client, users: config.table("users"), phones: config.table("phones") }
    }

    /// An `UpdateItem` on an existing user only; `None` when the user does not exist.
    async fn update_existing(
        &self,
        uuid: i64,
        sets: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
        return_old: bool,
    ) -> BackendResult<Option<Item>> {
        let expression = sets
            .iter()
            .enumerate()
            .map(|(i, _)| format!("#f{i} = :v{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut request = self
            .client
            .update_item()
            .table_name(&self.users)
            .key("uuid", n(uuid))
            .update_expression(format!("SET {expression}"))
            .condition_expression("attribute_exists(#uuid)")
            .expression_attribute_names("#uuid", "uuid")
            .return_values(if return_old { ReturnValue::UpdatedOld } else { ReturnValue::None });
        for (i, (field, value)) in sets.iter().enumerate() {
            request = request
                .expression_attribute_names(format!("#f{i}"), *field)
                .expression_attribute_values(format!(":v{i}"), value.clone());
        }
        match request.send().await {
            Ok(reply) => Ok(Some(reply.attributes.unwrap_or_default())),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
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
        let reply = self
            .client
            .get_item()
            .table_name(&self.users)
            .key("uuid", n(uuid))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        reply.item.as_ref().map(user_from_item).transpose()
    }

    async fn uuid_for_phone(&self, phone_e164: &str) -> BackendResult<Option<i64>> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.phones)
            .key("phone", s(phone_e164))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        reply.item.as_ref().map(|item| number(item, "uuid")).transpose()
    }

    async fn create(&self, user: &User, phone_e164: &str) -> BackendResult<Written> {
        let phone_claim = Item::from([("phone".to_owned(), s(phone_e164)), ("uuid".to_owned(), n(user.uuid))]);
        let result = self
            .client
            .transact_write_items()
            .transact_items(put(&self.phones, phone_claim, "phone")?)
            .transact_items(put(&self.users, user_item(user), "uuid")?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Done),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), TransactWriteItemsError::TransactionCanceledException(cancel)
                if cancel.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))) =>
            {
                Ok(Written::Refused)
            }
            Err(e) => Err(unavailable(e)),
        }
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
        let sets: Vec<_> = fields.iter().filter_map(|(name, value)| value.as_ref().map(|v| (*name, s(v)))).collect();
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
