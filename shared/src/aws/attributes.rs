//! Reading and writing DynamoDB attribute maps.

use super::errors::corrupt;
use crate::ports::BackendError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn text(item: &Item, name: &str) -> Result<String, BackendError> {
    borrowed_text(item, name).map(str::to_owned)
}

/// As [`text`], without a copy (for rows parsed by the hundred).
pub(crate) fn borrowed_text<'a>(item: &'a Item, name: &str) -> Result<&'a str, BackendError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(corrupt(format!("attribute {name} is not a string"))),
    }
}

pub(crate) fn number(item: &Item, name: &str) -> Result<i64, BackendError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| corrupt(format!("attribute {name} is not an integer"))),
        _ => Err(corrupt(format!("attribute {name} is not a number"))),
    }
}

pub(crate) fn optional_number(item: &Item, name: &str) -> Result<Option<i64>, BackendError> {
    item.get(name).map(|_| number(item, name)).transpose()
}
