//! The search index's reader: one Query per term over `{prefix}-postings` (see
//! `posting_rows` for the layout), every posting of the term, and one Query for the corpus
//! statistics. Postings are written by the items and users adapters in the same transactions
//! as the documents they describe.

use super::attributes::{optional_number, s};
use super::posting_rows::{FIELDS, STATS_DOCUMENTS, STATS_LENGTH, posting_from_row, stats_key, term_key};
use super::query::query_all;
use crate::Tables;
use async_trait::async_trait;
use foof_domain::ports::{BackendError, BackendResult, SearchIndex};
use foof_domain::search::{Corpus, CorpusStats, Posting};
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

    /// Every posting of `term` (one Query, paged by DynamoDB past 1 MB).
    async fn term_postings(&self, corpus: Corpus, term: &str) -> BackendResult<Vec<Posting>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("term = :term")
            .expression_attribute_values(":term", s(term_key(corpus, term)))
            .projection_expression(FIELDS)
            .consistent_read(true);
        query_all(query).await?.iter().map(posting_from_row).collect()
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

    /// The statistics shards summed.
    async fn stats(&self, corpus: Corpus) -> BackendResult<CorpusStats> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("term = :stats")
            .expression_attribute_values(":stats", s(stats_key(corpus)))
            .consistent_read(true);
        let mut stats = CorpusStats::default();
        for shard in query_all(query).await? {
            stats.documents += optional_number(&shard, STATS_DOCUMENTS)?.unwrap_or(0);
            stats.total_length += optional_number(&shard, STATS_LENGTH)?.unwrap_or(0);
        }
        Ok(stats)
    }
}
