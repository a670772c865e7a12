//! The search index's reader: one Query per term over `{prefix}-postings` (see
//! `posting_rows` for the layout). Postings are written by the items and users adapters in the
//! same transactions as the documents they describe.

use super::attributes::s;
use super::errors::unavailable;
use super::posting_rows::{FIELDS, posting_from_row, term_key};
use crate::Tables;
use async_trait::async_trait;
use foof_domain::ports::{BackendError, BackendResult, SearchIndex};
use foof_domain::search::{Corpus, MAX_POSTINGS_PER_TERM, Posting};
use futures_util::future::try_join_all;
use std::collections::HashMap;

pub struct DynamoSearchIndex {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoSearchIndex {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("postings"),
        }
    }

    /// One Query per term, newest documents first, at most [`MAX_POSTINGS_PER_TERM`] of them.
    async fn term_postings(&self, corpus: Corpus, term: &str) -> BackendResult<Vec<Posting>> {
        let reply = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("term = :term")
            .expression_attribute_values(":term", s(term_key(corpus, term)))
            .projection_expression(FIELDS)
            .scan_index_forward(false)
            .limit(MAX_POSTINGS_PER_TERM as i32)
            .send()
            .await
            .map_err(unavailable)?;
        reply.items.unwrap_or_default().iter().map(posting_from_row).collect()
    }
}

#[async_trait]
impl SearchIndex for DynamoSearchIndex {
    async fn postings(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, Vec<Posting>>> {
        let lists =
            try_join_all(terms.iter().map(|term| async move {
                Ok::<_, BackendError>((term.clone(), self.term_postings(corpus, term).await?))
            }))
            .await?;
        Ok(lists.into_iter().filter(|(_, list)| !list.is_empty()).collect())
    }
}
