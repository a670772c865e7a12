//! The compactor: folds a term's deltas into its packed blocks (see `posting_rows` for the
//! rows). A fold writes each block once, with all its deltas, under the version it read (so a
//! second compactor on the same block makes it start again from a fresh read), then deletes
//! each folded delta only if it is still what was read (so an edit made meanwhile stays, as a
//! delta over the block). Nothing is lost and nothing counts twice, whatever runs at the same
//! time; a bulk load rewrites a block once, not once per hundred deltas.

use super::attributes::{Row, n, number, optional_number, s};
use super::errors::{Built, corrupt, unavailable};
use super::posting_rows::{
    BLOCK, BLOCK_VERSION, FIELDS, HEAD_DOC, POSTING_COUNT, block_doc, posting_from_row, row_key,
};
use super::query::query_all;
use super::transact::try_transact;
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use foof_domain::ports::{BackendResult, Folded, PostingCompactor};
use foof_domain::search::Posting;
use foof_domain::search::blocks::{block_of, decode_into, encode, overlay};
use std::collections::BTreeMap;

/// Folded deltas deleted per transaction: DynamoDB's most.
const DELTAS_PER_TRANSACTION: usize = 100;
/// Fresh starts after a fold lost a race, before the pass reports a failure (the stream
/// then hands the batch over again).
const ATTEMPTS: usize = 5;

/// A delta as read: its posting, and its `f` exactly, which its deletion is conditioned on.
struct Delta {
    posting: Posting,
    fields: String,
}

/// A block as read; version 0: it does not exist yet.
#[derive(Default)]
struct Block {
    version: i64,
    postings: Vec<Posting>,
}

/// A fold's write was refused: something changed since the read.
struct Raced;

pub struct DynamoCompactor {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// Deltas a term needs before it is folded: below this, reading them is cheaper than
    /// rewriting the term's block.
    fold_at: usize,
}

impl DynamoCompactor {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables, fold_at: usize) -> Self {
        Self {
            client,
            table: tables.name("postings"),
            fold_at: fold_at.max(1),
        }
    }

    /// The rows of `term_key` whose `doc` satisfies `condition` (against `:zero`).
    async fn rows(&self, term_key: &str, condition: &str, projection: &str) -> BackendResult<Vec<Row>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("term = :term AND {condition}"))
            .expression_attribute_values(":term", s(term_key))
            .expression_attribute_values(":zero", n(HEAD_DOC))
            .projection_expression(projection)
            .expression_attribute_names("#doc", "doc")
            .expression_attribute_names("#f", FIELDS)
            .expression_attribute_names("#b", BLOCK)
            .expression_attribute_names("#v", BLOCK_VERSION)
            .consistent_read(true);
        query_all(query).await
    }

    async fn deltas(&self, term_key: &str) -> BackendResult<Vec<Delta>> {
        let rows = self.rows(term_key, "#doc > :zero", "#f, #doc, #b, #v").await?;
        rows.iter()
            .map(|row| {
                let fields = match row.get(FIELDS) {
                    Some(AttributeValue::S(fields)) => fields.clone(),
                    _ => return Err(corrupt(format!("{term_key}: a delta without {FIELDS}"))),
                };
                Ok(Delta {
                    posting: posting_from_row(row)?,
                    fields,
                })
            })
            .collect()
    }

    async fn blocks(&self, term_key: &str) -> BackendResult<BTreeMap<i64, Block>> {
        let mut blocks = BTreeMap::new();
        for row in self.rows(term_key, "#doc < :zero", "#doc, #b, #v, #f").await? {
            let index = block_doc(number(&row, "doc")?);
            let mut postings = Vec::new();
            if let Some(AttributeValue::B(packed)) = row.get(BLOCK) {
                decode_into(packed.as_ref(), &mut postings).map_err(|e| corrupt(format!("{term_key}: {e}")))?;
            }
            let version = optional_number(&row, BLOCK_VERSION)?.unwrap_or(0);
            blocks.insert(index, Block { version, postings });
        }
        Ok(blocks)
    }

    /// One read of the term and the folds it allows: each block that has deltas is written
    /// once, with all of them, then the deltas it holds are deleted.
    async fn fold(&self, term_key: &str) -> BackendResult<Result<Folded, Raced>> {
        let deltas = self.deltas(term_key).await?;
        let waiting = deltas.len();
        if waiting < self.fold_at {
            return Ok(Ok(Folded::Left { deltas: waiting }));
        }
        let mut blocks = self.blocks(term_key).await?;
        let mut by_block: BTreeMap<i64, Vec<Delta>> = BTreeMap::new();
        for delta in deltas {
            by_block.entry(block_of(delta.posting.doc)).or_default().push(delta);
        }
        for (index, folded_deltas) in by_block {
            let block = blocks.entry(index).or_default();
            let changes: Vec<Posting> = folded_deltas.iter().map(|delta| delta.posting).collect();
            let folded = overlay(&block.postings, &changes);
            let writes = self.block_write(term_key, index, &folded, block.version)?;
            if !writes.is_empty() && try_transact(&self.client, writes).await?.is_err() {
                return Ok(Err(Raced));
            }
            block.postings = folded;
            self.remove_folded(term_key, &folded_deltas).await?;
        }
        let postings = blocks.values().map(|block| block.postings.len()).sum();
        self.head_write(term_key, postings).await?;
        Ok(Ok(Folded::Packed {
            deltas: waiting,
            postings,
        }))
    }

    /// Deletes the deltas a block now holds, each only if it is still the one that was
    /// folded: one changed since (an edit, a removal) stays, and overrides the block as any
    /// delta does. Until then a folded delta and its block say the same, so nothing reads wrong
    /// in between, and a pass that stops here leaves work for the next one, never a loss.
    async fn remove_folded(&self, term_key: &str, folded: &[Delta]) -> BackendResult<()> {
        for chunk in folded.chunks(DELTAS_PER_TRANSACTION) {
            let removals = chunk
                .iter()
                .map(|delta| self.delta_removal(term_key, delta))
                .collect::<BackendResult<Vec<_>>>()?;
            if try_transact(&self.client, removals.clone()).await?.is_ok() {
                continue;
            }
            // One of them changed: the others go one by one.
            for removal in removals {
                try_transact(&self.client, vec![removal]).await?.ok();
            }
        }
        Ok(())
    }

    /// The block's new contents, only over the version that was read (or none).
    fn block_write(
        &self,
        term_key: &str,
        index: i64,
        postings: &[Posting],
        version: i64,
    ) -> BackendResult<Vec<TransactWriteItem>> {
        let key = row_key(term_key.to_owned(), block_doc(index));
        let (condition, name, read) = match version {
            0 => ("attribute_not_exists(#doc)", ("#doc", "doc"), None),
            read => (
                "#v = :read",
                ("#v", BLOCK_VERSION),
                Some([(":read".to_owned(), n(read))].into()),
            ),
        };
        let write = match (postings.is_empty(), version) {
            (true, 0) => return Ok(Vec::new()),
            (true, _) => {
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .condition_expression(condition)
                    .expression_attribute_names(name.0, name.1)
                    .set_expression_attribute_values(read)
                    .build()
                    .built()?;
                TransactWriteItem::builder().delete(delete).build()
            }
            (false, _) => {
                let mut row = key;
                row.insert(BLOCK.to_owned(), AttributeValue::B(Blob::new(encode(postings))));
                row.insert(BLOCK_VERSION.to_owned(), n(version + 1));
                row.insert(POSTING_COUNT.to_owned(), n(postings.len() as i64));
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(row))
                    .condition_expression(condition)
                    .expression_attribute_names(name.0, name.1)
                    .set_expression_attribute_values(read)
                    .build()
                    .built()?;
                TransactWriteItem::builder().put(put).build()
            }
        };
        Ok(vec![write])
    }

    /// How many postings the term's blocks hold, for choosing a query's rarest terms.
    async fn head_write(&self, term_key: &str, postings: usize) -> BackendResult<()> {
        let mut row = row_key(term_key.to_owned(), HEAD_DOC);
        row.insert(POSTING_COUNT.to_owned(), n(postings as i64));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(row))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Deletes a folded delta, only if it is still the one that was folded.
    fn delta_removal(&self, term_key: &str, delta: &Delta) -> BackendResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(row_key(term_key.to_owned(), delta.posting.doc)))
            .condition_expression("#f = :seen")
            .expression_attribute_names("#f", FIELDS)
            .expression_attribute_values(":seen", s(&delta.fields))
            .build()
            .built()?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}

#[async_trait]
impl PostingCompactor for DynamoCompactor {
    async fn compact(&self, term_key: &str) -> BackendResult<Folded> {
        for _ in 0..ATTEMPTS {
            if let Ok(folded) = self.fold(term_key).await? {
                return Ok(folded);
            }
        }
        Err(unavailable(std::io::Error::other(format!(
            "{term_key}: every fold lost a race with another writer"
        ))))
    }
}
