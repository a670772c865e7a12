//! Reading and writing DynamoDB attribute maps.

use super::errors::corrupt;
use aws_sdk_dynamodb::types::AttributeValue;
use foof_domain::ports::BackendError;
use std::collections::HashMap;

/// One DynamoDB row (an "item" in DynamoDB's words, never a FOOF item).
pub(crate) type Row = HashMap<String, AttributeValue>;

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn text(row: &Row, name: &str) -> Result<String, BackendError> {
    borrowed_text(row, name).map(str::to_owned)
}

/// As [`text`], without a copy (for rows parsed by the hundred).
pub(crate) fn borrowed_text<'a>(row: &'a Row, name: &str) -> Result<&'a str, BackendError> {
    match row.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(corrupt(format!("attribute {name} is not a string"))),
    }
}

pub(crate) fn number(row: &Row, name: &str) -> Result<i64, BackendError> {
    match row.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| corrupt(format!("attribute {name} is not an integer"))),
        _ => Err(corrupt(format!("attribute {name} is not a number"))),
    }
}

/// As [`number`], for an attribute that rows may lack.
pub(crate) fn optional_number(row: &Row, name: &str) -> Result<Option<i64>, BackendError> {
    row.get(name).map(|_| number(row, name)).transpose()
}
