//! The one way the adapters write a conditional `UpdateItem`: an update and a condition
//! expression with their placeholders, sent alone or as one step of a transaction. A refused
//! write always comes back with the row as it was, so callers can say why without a read.

use super::attributes::Row;
use super::errors::{Built, unavailable};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use foof_domain::ports::BackendResult;
use foof_domain::ports::Written;
use std::collections::HashMap;

pub(crate) struct ConditionalUpdate {
    table: String,
    key: Row,
    update: String,
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    returning: ReturnValue,
}

/// What became of a conditional update.
#[derive(Debug)]
pub(crate) enum Updated {
    /// Applied; what `returning_old` or `returning_new` asked for, or nothing.
    Applied(Row),
    /// The condition did not hold; nothing changed. The row as it was (empty if none).
    Refused(Row),
}

impl ConditionalUpdate {
    /// `update` on the row `key_name = key` of `table`.
    pub fn new(table: &str, key_name: &str, key: AttributeValue, update: impl Into<String>) -> Self {
        Self {
            table: table.to_owned(),
            key: Row::from([(key_name.to_owned(), key)]),
            update: update.into(),
            condition: None,
            names: HashMap::new(),
            values: HashMap::new(),
            returning: ReturnValue::None,
        }
    }

    /// A second key attribute, for a table with a sort key.
    pub fn key(mut self, name: &str, value: AttributeValue) -> Self {
        self.key.insert(name.to_owned(), value);
        self
    }

    /// `SET #f0 = :v0, …` of each attribute to its value.
    pub fn set(table: &str, key_name: &str, key: AttributeValue, sets: &[(&str, AttributeValue)]) -> Self {
        let clauses: Vec<String> = (0..sets.len()).map(|i| format!("#f{i} = :v{i}")).collect();
        sets.iter().enumerate().fold(
            Self::new(table, key_name, key, format!("SET {}", clauses.join(", "))),
            |update, (i, (attribute, value))| {
                update
                    .name(&format!("#f{i}"), attribute)
                    .value(&format!(":v{i}"), value.clone())
            },
        )
    }

    /// One more `SET` action, written out (`#a = if_not_exists(#a, :zero) + :one`), after the
    /// ones [`ConditionalUpdate::set`] made.
    pub fn also_set(mut self, action: &str) -> Self {
        self.update.push_str(", ");
        self.update.push_str(action);
        self
    }

    /// Applies only while `condition` holds.
    pub fn when(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// Also returns, when applied, the updated attributes as they were before.
    pub fn returning_old(mut self) -> Self {
        self.returning = ReturnValue::UpdatedOld;
        self
    }

    /// Also returns, when applied, the whole row as it is after the update.
    pub fn returning_new(mut self) -> Self {
        self.returning = ReturnValue::AllNew;
        self
    }

    pub async fn send(self, client: &aws_sdk_dynamodb::Client) -> BackendResult<Updated> {
        let result = client
            .update_item()
            .table_name(self.table)
            .set_key(Some(self.key))
            .update_expression(self.update)
            .set_condition_expression(self.condition)
            .set_expression_attribute_names(Some(self.names).filter(|names| !names.is_empty()))
            .set_expression_attribute_values(Some(self.values).filter(|values| !values.is_empty()))
            .return_values(self.returning)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(reply) => Ok(Updated::Applied(reply.attributes.unwrap_or_default())),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    Ok(Updated::Refused(failed.item.unwrap_or_default()))
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The same write as one step of a transaction (see `transact`).
    pub fn into_step(self) -> BackendResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(self.table)
            .set_key(Some(self.key))
            .update_expression(self.update)
            .set_condition_expression(self.condition)
            .set_expression_attribute_names(Some(self.names).filter(|names| !names.is_empty()))
            .set_expression_attribute_values(Some(self.values).filter(|values| !values.is_empty()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .built()?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

impl From<Updated> for Written {
    fn from(updated: Updated) -> Self {
        match updated {
            Updated::Applied(_) => Written::Done,
            Updated::Refused(_) => Written::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_names_every_attribute_by_placeholder() {
        let update = ConditionalUpdate::set(
            "t",
            "id",
            AttributeValue::N("1".into()),
            &[
                ("title", AttributeValue::S("a".into())),
                ("type", AttributeValue::N("2".into())),
            ],
        );
        assert_eq!(update.update, "SET #f0 = :v0, #f1 = :v1");
        assert_eq!(update.names["#f1"], "type");
        assert_eq!(update.values[":v0"], AttributeValue::S("a".into()));
    }
}
