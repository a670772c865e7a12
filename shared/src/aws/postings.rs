//! The inverted index in DynamoDB: `{prefix}-postings`, one row per (term, document), keyed by
//! `term` = `g#<term>` (goods) or `u#<term>` (users) and `doc`, holding the term's frequency
//! in each field (`p`, `s`) and the document's weighted length (`len`). Its rows are written
//! in the same transactions as the documents they describe.

use super::attributes::{n, number, s, Item as Row};
use super::errors::{corrupt, unavailable};
use crate::config::Config;
use crate::domain::search::{Corpus, DocumentTerms, Posting, TermFrequency};
use crate::ports::{BackendError, BackendResult, SearchIndex};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use futures_util::future::try_join_all;
use std::collections::HashMap;

fn term_key(corpus: Corpus, term: &str) -> String {
    match corpus {
        Corpus::Goods => format!("g#{term}"),
        Corpus::Users => format!("u#{term}"),
    }
}

fn key(corpus: Corpus, term: &str, doc: i64) -> Row {
    Row::from([("term".to_owned(), s(term_key(corpus, term))), ("doc".to_owned(), n(doc))])
}

/// Writes that take a document's postings from `old` to `new` (either may be empty): a delete
/// for every term that is gone, a put for every term that is new or counted differently.
pub(crate) fn posting_changes(
    table: &str,
    corpus: Corpus,
    doc: i64,
    old: &DocumentTerms,
    new: &DocumentTerms,
) -> BackendResult<Vec<TransactWriteItem>> {
    let mut writes = Vec::new();
    for term in old.terms.keys().filter(|term| !new.terms.contains_key(*term)) {
        let delete = Delete::builder().table_name(table).set_key(Some(key(corpus, term, doc))).build().map_err(|e| corrupt(e.to_string()))?;
        writes.push(TransactWriteItem::builder().delete(delete).build());
    }
    let length_changed = old.length != new.length;
    for (term, frequency) in &new.terms {
        if !length_changed && old.terms.get(term) == Some(frequency) {
            continue;
        }
        let mut row = key(corpus, term, doc);
        row.extend([
            ("p".to_owned(), n(i64::from(frequency.primary))),
            ("s".to_owned(), n(i64::from(frequency.secondary))),
            ("len".to_owned(), n(i64::from(new.length))),
        ]);
        let put = Put::builder().table_name(table).set_item(Some(row)).build().map_err(|e| corrupt(e.to_string()))?;
        writes.push(TransactWriteItem::builder().put(put).build());
    }
    Ok(writes)
}

fn posting_from_row(row: &Row) -> BackendResult<Posting> {
    let count = |name| number(row, name).and_then(|v| u32::try_from(v).map_err(|_| corrupt("negative count")));
    Ok(Posting {
        doc: number(row, "doc")?,
        frequency: TermFrequency { primary: count("p")?, secondary: count("s")? },
        length: count("len")?,
    })
}

pub struct DynamoSearchIndex {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoSearchIndex {
    pub fn new(client: aws_sdk_dynamodb::Client, config: &Config) -> Self {
        Self { client, table: config.table("postings") }
    }

    /// One Query (one 1 MB page) per term: a term common enough to fill a page says little.
    async fn term_postings(&self, corpus: Corpus, term: &str) -> BackendResult<Vec<Posting>> {
        let reply = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("term = :term")
            .expression_attribute_values(":term", s(term_key(corpus, term)))
            .send()
            .await
            .map_err(unavailable)?;
        reply.items.unwrap_or_default().iter().map(posting_from_row).collect()
    }
}

#[async_trait]
impl SearchIndex for DynamoSearchIndex {
    async fn postings(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, Vec<Posting>>> {
        let lists = try_join_all(terms.iter().map(|term| async move {
            Ok::<_, BackendError>((term.clone(), self.term_postings(corpus, term).await?))
        }))
        .await?;
        Ok(lists.into_iter().filter(|(_, list)| !list.is_empty()).collect())
    }
}
