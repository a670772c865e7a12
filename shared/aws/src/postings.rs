//! The search index's reader: one Query per term over `{prefix}-postings` (see
//! `posting_rows` for the layout), every posting of the term, and one Query for the corpus
//! statistics. Postings are written by the items and users adapters in the same transactions
//! as the documents they describe.

use super::attributes::{Row, optional_number, s};
use super::batch::get_all;
use super::errors::{Built, corrupt};
use super::posting_rows::{
    BLOCK, FIELDS, HEAD_DOC, POSTING_COUNT, STATS_DOCUMENTS, STATS_LENGTH, posting_from_row, row_key, stats_key,
    term_key,
};
use super::query::query_all;
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use foof_domain::ports::{BackendError, BackendResult, SearchIndex};
use foof_domain::search::blocks::{decode_into, lay_over_unordered};
use foof_domain::search::{Corpus, CorpusStats, MAX_QUERY_CANDIDATES, Posting};
use futures_util::future::try_join_all;
use std::collections::HashMap;

pub struct DynamoSearchIndex {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// Rows per page of a term's Query: DynamoDB's 1 MB unless a test asks for smaller pages.
    rows_per_page: Option<i32>,
}

impl DynamoSearchIndex {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("postings"),
            rows_per_page: None,
        }
    }

    /// Reads each term in pages of `rows`, as a term past 1 MB is read: tests race folds
    /// against a read of many pages without writing megabytes.
    #[cfg(feature = "test-util")]
    pub fn paged(self, rows: i32) -> Self {
        Self {
            rows_per_page: Some(rows),
            ..self
        }
    }

    /// Every posting of `term`, in no particular order: its blocks with its deltas laid over
    /// them (one Query, paged by DynamoDB past 1 MB, read newest rows first).
    async fn term_postings(&self, corpus: Corpus, term: &str) -> BackendResult<Vec<Posting>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("term = :term")
            .expression_attribute_values(":term", s(term_key(corpus, term)))
            .projection_expression("#f, #b")
            .expression_attribute_names("#f", FIELDS)
            .expression_attribute_names("#b", BLOCK)
            .set_limit(self.rows_per_page)
            // Deltas (doc > 0) first, then the head, then the blocks (doc < 0). A fold writes a
            // block before it deletes the deltas the block now holds, so a delta gone by the
            // time its page is read is in a block read later, whatever page a fold commits at.
            .scan_index_forward(false)
            .consistent_read(true);
        let rows = query_all(query).await?;
        let mut blocks = Vec::new();
        let mut deltas = Vec::new();
        for row in &rows {
            match row.get(BLOCK) {
                Some(AttributeValue::B(packed)) => blocks.push(packed.as_ref()),
                _ if row.contains_key(FIELDS) => deltas.push(posting_from_row(row)?),
                _ => {}
            }
        }
        // Every posting takes at least 4 bytes: enough room without counting (memory never
        // touched is never paged in).
        let room = blocks.iter().map(|block| block.len() / 4).sum::<usize>() + deltas.len();
        let mut postings = Vec::with_capacity(room);
        // Blocks arrive in id order (block 0 is doc -1), so the decoded postings are sorted.
        for block in blocks {
            decode_into(block, &mut postings).map_err(|error| corrupt(format!("{term}: {error}")))?;
        }
        lay_over_unordered(&mut postings, &deltas);
        Ok(postings)
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

    /// The heads' counts of packed postings: one BatchGetItem. Deltas not yet folded are not in
    /// them, which is fine for telling a rare term from a common one.
    async fn document_counts(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, u64>> {
        let keys: Vec<Row> = terms
            .iter()
            .take(MAX_QUERY_CANDIDATES)
            .map(|term| row_key(term_key(corpus, term), HEAD_DOC))
            .collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .projection_expression("term, #n")
            .expression_attribute_names("#n", POSTING_COUNT)
            .build()
            .built()?;
        let found = get_all(&self.client, HashMap::from([(self.table.clone(), request)])).await?;
        let mut counts = HashMap::new();
        for head in found.into_values().flatten() {
            let (Some(AttributeValue::S(key)), Some(count)) =
                (head.get("term"), optional_number(&head, POSTING_COUNT)?)
            else {
                continue;
            };
            if let Some(term) = key.split_once('#').map(|(_, term)| term) {
                counts.insert(term.to_owned(), u64::try_from(count).unwrap_or(0));
            }
        }
        Ok(counts)
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
