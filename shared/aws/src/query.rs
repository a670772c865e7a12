//! Reading a whole Query, across pages.

use super::attributes::Row;
use super::errors::unavailable;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use foof_domain::ports::BackendResult;

/// Every row a Query matches, across pages.
pub(crate) async fn query_all(query: QueryFluentBuilder) -> BackendResult<Vec<Row>> {
    query
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(unavailable)
}
