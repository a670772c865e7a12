//! The inverted index in DynamoDB: `{prefix}-postings`, partitioned by `term` = `g#<term>`
//! (goods) or `u#<term>` (users). A partition holds three kinds of row, told apart by `doc`:
//!
//! - `doc` > 0, a *delta*: that document's posting of the term, in `f` as
//!   `"doc,primary tf,secondary tf,weighted length"` (both frequencies 0: a tombstone, the
//!   document lost the term). Written in the same transaction as the document. A search reads
//!   only `f`: the SDK's cost is per attribute, so the key's `doc` is repeated there.
//! - `doc` < 0, a *block*: the packed postings of documents `block × BLOCK_SPAN ..` (see
//!   `foof_domain::search::blocks`), `doc` = -1 - block, in `b`, with a version `v` and the
//!   count `n`. Written only by the compactor (`compaction.rs`), which folds deltas into them.
//! - `doc` = 0, the *head*: `n`, the postings packed in all blocks, which tells how rare a term
//!   is without reading its postings.
//!
//! The same table holds each corpus's BM25 statistics, sharded so that writes to different
//! documents rarely meet on one row: `term` = `#stats#g` or `#stats#u`, `doc` = the document id
//! modulo [`STATS_SHARDS`], with `docs` (live documents) and `length` (their weighted lengths
//! summed). Every write that adds, removes or resizes a document moves its shard in the same
//! transaction. Terms never start with `#` (they are letters, digits and CJK characters).

use super::attributes::{Row, borrowed_text, n, s};
use super::errors::{Built, corrupt};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use foof_domain::ports::{BackendError, BackendResult};
use foof_domain::search::{Corpus, DocumentTerms, Posting, TermFrequency};

/// A delta's packed `"doc,p,s,len"` attribute: all a search reads of it.
pub(crate) const FIELDS: &str = "f";
/// A block's packed postings, its version, and (on blocks and the head) a posting count.
pub(crate) const BLOCK: &str = "b";
pub(crate) const BLOCK_VERSION: &str = "v";
pub(crate) const POSTING_COUNT: &str = "n";
/// The head row's `doc`.
pub(crate) const HEAD_DOC: i64 = 0;

/// The `doc` key of block `block`.
pub(crate) fn block_doc(block: i64) -> i64 {
    -1 - block
}

/// Rows per corpus that the statistics are spread over.
pub(crate) const STATS_SHARDS: i64 = 16;
/// The statistics rows' attributes: live documents, and their weighted lengths summed.
pub(crate) const STATS_DOCUMENTS: &str = "docs";
pub(crate) const STATS_LENGTH: &str = "length";

pub(crate) fn stats_key(corpus: Corpus) -> &'static str {
    match corpus {
        Corpus::Goods => "#stats#g",
        Corpus::Users => "#stats#u",
    }
}

pub(crate) fn term_key(corpus: Corpus, term: &str) -> String {
    match corpus {
        Corpus::Goods => format!("g#{term}"),
        Corpus::Users => format!("u#{term}"),
    }
}

fn key(corpus: Corpus, term: &str, doc: i64) -> Row {
    row_key(term_key(corpus, term), doc)
}

pub(crate) fn row_key(term_key: String, doc: i64) -> Row {
    Row::from([("term".to_owned(), s(term_key)), ("doc".to_owned(), n(doc))])
}

/// The `f` attribute of a delta.
pub(crate) fn delta_fields(doc: i64, frequency: TermFrequency, length: u32) -> String {
    format!("{doc},{},{},{length}", frequency.primary, frequency.secondary)
}

/// Writes that take a document's postings from `old` to `new` (`None`: the document does not
/// exist on that side): a tombstone for every term that is gone (its posting may be packed in a
/// block, which only the compactor rewrites), a delta for every term that is new or counted
/// differently, and the move of the corpus statistics.
pub(crate) fn posting_changes(
    table: &str,
    corpus: Corpus,
    doc: i64,
    old: Option<&DocumentTerms>,
    new: Option<&DocumentTerms>,
) -> BackendResult<Vec<TransactWriteItem>> {
    let none = DocumentTerms::default();
    let (old_terms, new_terms) = (old.unwrap_or(&none), new.unwrap_or(&none));
    let mut writes = Vec::new();
    let put_delta = |term: &str, fields: String| {
        let mut row = key(corpus, term, doc);
        row.insert(FIELDS.to_owned(), s(fields));
        let put = Put::builder().table_name(table).set_item(Some(row)).build().built()?;
        Ok::<_, BackendError>(TransactWriteItem::builder().put(put).build())
    };
    for term in old_terms
        .terms
        .keys()
        .filter(|term| !new_terms.terms.contains_key(*term))
    {
        writes.push(put_delta(term, delta_fields(doc, TermFrequency::default(), 0))?);
    }
    let length_changed = old_terms.length != new_terms.length;
    for (term, frequency) in &new_terms.terms {
        if !length_changed && old_terms.terms.get(term) == Some(frequency) {
            continue;
        }
        writes.push(put_delta(term, delta_fields(doc, *frequency, new_terms.length))?);
    }
    let documents = i64::from(new.is_some()) - i64::from(old.is_some());
    let length = i64::from(new_terms.length) - i64::from(old_terms.length);
    if documents != 0 || length != 0 {
        writes.push(stats_change(table, corpus, doc, documents, length)?);
    }
    Ok(writes)
}

/// Moves the statistics shard of `doc` by `documents` and `length`.
fn stats_change(
    table: &str,
    corpus: Corpus,
    doc: i64,
    documents: i64,
    length: i64,
) -> BackendResult<TransactWriteItem> {
    let update = Update::builder()
        .table_name(table)
        .key("term", s(stats_key(corpus)))
        .key("doc", n(doc.rem_euclid(STATS_SHARDS)))
        .update_expression("ADD #docs :docs, #length :length")
        .expression_attribute_names("#docs", STATS_DOCUMENTS)
        .expression_attribute_names("#length", STATS_LENGTH)
        .expression_attribute_values(":docs", n(documents))
        .expression_attribute_values(":length", n(length))
        .build()
        .built()?;
    Ok(TransactWriteItem::builder().update(update).build())
}

pub(crate) fn posting_from_row(row: &Row) -> BackendResult<Posting> {
    let packed = borrowed_text(row, FIELDS)?;
    let bad = || corrupt(format!("posting fields {packed:?}"));
    let (doc, counts) = packed.split_once(',').ok_or_else(bad)?;
    let mut counts = counts.split(',').map(str::parse::<u32>);
    let mut next = || counts.next().and_then(Result::ok).ok_or_else(bad);
    let (primary, secondary, length) = (next()?, next()?, next()?);
    Ok(Posting {
        doc: doc.parse().map_err(|_| bad())?,
        frequency: TermFrequency { primary, secondary },
        length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use foof_domain::ports::BackendError;
    use foof_domain::search::document_terms;

    fn written_rows(doc: i64, terms: &DocumentTerms) -> Vec<Row> {
        let writes = posting_changes("postings", Corpus::Goods, doc, None, Some(terms)).unwrap();
        writes
            .into_iter()
            .filter_map(|write| write.put)
            .map(|put| put.item)
            .collect()
    }

    #[test]
    fn a_written_posting_reads_back_from_its_packed_attribute_alone() {
        let terms = document_terms("小米 小米", "充电宝 小米");
        for mut row in written_rows(42, &terms) {
            let term = match row.remove("term") {
                Some(AttributeValue::S(term)) => term,
                other => panic!("term key {other:?}"),
            };
            row.remove("doc");
            let posting = posting_from_row(&row).unwrap();
            let expected = terms.terms[term.strip_prefix("g#").unwrap()];
            assert_eq!(
                posting,
                Posting {
                    doc: 42,
                    frequency: expected,
                    length: terms.length
                }
            );
        }
    }

    #[test]
    fn a_malformed_packed_attribute_is_corrupt_data() {
        for packed in ["", "42", "42,1,0", "x,1,0,9", "42,1,-1,9"] {
            let row = Row::from([(FIELDS.to_owned(), s(packed))]);
            assert!(
                matches!(posting_from_row(&row), Err(BackendError::Corrupt(_))),
                "{packed:?}"
            );
        }
    }
}
