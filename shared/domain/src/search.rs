//! Full-text search rules: the tokenizer, the per-document terms the index stores, and BM25
//! scoring. Pure Rust; the index itself lives behind `ports::SearchIndex`.
//!
//! Text is normalised (full-width ASCII forms and the ideographic space become their
//! half-width forms, letters are lower-cased), then split into Latin/digit words and CJK runs;
//! a CJK run yields every character and every adjacent pair (bigram), so `小米`, `充电宝` and
//! `小米充电宝` all find `九成新 小米充电宝`.

pub mod blocks;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// Distinct terms kept per document: the document and its postings are written in one
/// DynamoDB transaction (at most 100 items), and a modify deletes old and writes new postings.
pub const MAX_TERMS_PER_DOCUMENT: usize = 48;
/// Distinct terms looked up per query (one parallel Query each).
pub const MAX_QUERY_TERMS: usize = 16;
/// Distinct terms of a query considered at all: their document counts are one BatchGetItem.
pub const MAX_QUERY_CANDIDATES: usize = 100;
/// Characters of a query that are read at all: the rest is cut before any tokenizing, so a
/// query's CPU cannot grow with the size of the request body.
pub const MAX_QUERY_CHARS: usize = 256;
/// Hits one query may ask for (`size`): read in two BatchGetItems.
pub const MAX_HITS: usize = 200;
/// A term longer than this (in characters) is not indexed.
const MAX_TERM_CHARS: usize = 32;
/// Field weights: a title (or username) match counts more than a note (or info) match.
pub const PRIMARY_WEIGHT: f64 = 2.0;
pub const SECONDARY_WEIGHT: f64 = 1.0;
/// BM25 parameters, and the average weighted document length it normalises by.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The average weighted length assumed while a corpus is empty.
pub const AVERAGE_DOCUMENT_LENGTH: f64 = 40.0;

/// What BM25 needs to know of a whole corpus: how many live documents it has, and their
/// weighted lengths summed (for the average length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CorpusStats {
    pub documents: i64,
    pub total_length: i64,
}

impl CorpusStats {
    pub fn average_length(&self) -> f64 {
        match self.documents {
            documents if documents > 0 && self.total_length > 0 => self.total_length as f64 / documents as f64,
            _ => AVERAGE_DOCUMENT_LENGTH,
        }
    }
}

/// The two searchable collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Corpus {
    /// Items: title (primary) and note (secondary).
    Goods,
    /// Users: username (primary) and info (secondary).
    Users,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F // Han
        | 0x3040..=0x30FF // kana
        | 0xAC00..=0xD7AF) // Hangul
}

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space become ASCII.
fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Terms in order of appearance, repeats included.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut word = String::new();
    let mut cjk_run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, terms: &mut Vec<String>| {
        if !word.is_empty() && word.chars().count() <= MAX_TERM_CHARS {
            terms.push(std::mem::take(word));
        }
        word.clear();
    };
    let flush_run = |run: &mut Vec<char>, terms: &mut Vec<String>| {
        for (i, c) in run.iter().enumerate() {
            terms.push(c.to_string());
            if let Some(next) = run.get(i + 1) {
                terms.push([*c, *next].iter().collect());
            }
        }
        run.clear();
    };
    for c in text.chars().map(half_width) {
        if is_cjk(c) {
            flush_word(&mut word, &mut terms);
            cjk_run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut cjk_run, &mut terms);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut terms);
            flush_run(&mut cjk_run, &mut terms);
        }
    }
    flush_word(&mut word, &mut terms);
    flush_run(&mut cjk_run, &mut terms);
    terms
}

/// One term of one document: how often it occurs in each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TermFrequency {
    pub primary: u32,
    pub secondary: u32,
}

/// What the index stores for a document: its distinct terms (at most
/// [`MAX_TERMS_PER_DOCUMENT`], the primary field's first) and its weighted length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentTerms {
    pub terms: BTreeMap<String, TermFrequency>,
    pub length: u32,
}

pub fn document_terms(primary: &str, secondary: &str) -> DocumentTerms {
    let (primary, secondary) = (tokenize(primary), tokenize(secondary));
    let length = (primary.len() as f64 * PRIMARY_WEIGHT + secondary.len() as f64 * SECONDARY_WEIGHT).round() as u32;
    let mut terms: BTreeMap<String, TermFrequency> = BTreeMap::new();
    for (field, tokens) in [(0, primary), (1, secondary)] {
        for token in tokens {
            if !terms.contains_key(&token) && terms.len() == MAX_TERMS_PER_DOCUMENT {
                continue;
            }
            let frequency = terms.entry(token).or_default();
            if field == 0 {
                frequency.primary += 1
            } else {
                frequency.secondary += 1
            }
        }
    }
    DocumentTerms { terms, length }
}

/// The distinct terms of a query's first [`MAX_QUERY_CHARS`] characters, at most
/// [`MAX_QUERY_CANDIDATES`]: words and bigrams before single characters (which match the most
/// and say the least), each group in the order typed. When there are more than
/// [`MAX_QUERY_TERMS`], [`rarest`] picks the ones to look up.
pub fn query_candidates(query: &str) -> Vec<String> {
    let bounded = query
        .char_indices()
        .nth(MAX_QUERY_CHARS)
        .map_or(query, |(end, _)| &query[..end]);
    let mut seen = HashSet::new();
    let distinct: Vec<String> = tokenize(bounded)
        .into_iter()
        .filter(|term| seen.insert(term.clone()))
        .collect();
    let single_cjk = |t: &String| t.chars().count() == 1 && t.chars().all(is_cjk);
    let (singles, longer): (Vec<String>, Vec<String>) = distinct.into_iter().partition(single_cjk);
    longer.into_iter().chain(singles).take(MAX_QUERY_CANDIDATES).collect()
}

/// The [`MAX_QUERY_TERMS`] candidates found in the fewest documents (`counts`; a term without
/// one counts as rare), the candidates' order breaking ties: the informative terms of a long
/// query, not its first ones.
pub fn rarest(candidates: Vec<String>, counts: &HashMap<String, u64>) -> Vec<String> {
    let mut ranked: Vec<(u64, usize, String)> = candidates
        .into_iter()
        .enumerate()
        .map(|(order, term)| (counts.get(&term).copied().unwrap_or(0), order, term))
        .collect();
    ranked.sort_unstable();
    ranked
        .into_iter()
        .take(MAX_QUERY_TERMS)
        .map(|(_, _, term)| term)
        .collect()
}

/// The terms a query looks up when no counts are at hand: the first [`MAX_QUERY_TERMS`]
/// candidates.
pub fn query_terms(query: &str) -> Vec<String> {
    query_candidates(query).into_iter().take(MAX_QUERY_TERMS).collect()
}

/// A posting as read back from the index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posting {
    pub doc: i64,
    pub frequency: TermFrequency,
    pub length: u32,
}

/// The outcome of ranking: how many documents matched, and the best of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub total: usize,
    /// (document, score), best first, ties by id.
    pub top: Vec<(i64, f64)>,
}

/// BM25 over the weighted fields: `stats` describes the whole corpus, `postings` holds every
/// posting of each query term (in any order); the best `size` documents are kept.
pub fn rank(stats: CorpusStats, postings: &HashMap<String, Vec<Posting>>, size: usize) -> Ranked {
    let lists: Vec<&Vec<Posting>> = postings.values().filter(|list| !list.is_empty()).collect();
    let count: usize = lists.iter().map(|list| list.len()).sum();
    let largest_df = lists.iter().map(|list| list.len()).max().unwrap_or(0) as f64;
    // The statistics are kept beside the postings, not with them: never let a lagging count
    // make a term look more common than the corpus.
    let weights = Bm25 {
        documents: (stats.documents as f64).max(largest_df).max(1.0),
        average_length: stats.average_length(),
    };
    let (low, high) = lists
        .iter()
        .flat_map(|list| list.iter())
        .fold((i64::MAX, i64::MIN), |(low, high), posting| {
            (low.min(posting.doc), high.max(posting.doc))
        });
    let span = usize::try_from(high.saturating_sub(low)).unwrap_or(usize::MAX);
    let mut best = Best::new(size);
    if span < count.saturating_mul(4).max(4096) {
        // Scores add up in an array indexed by document id when the ids are dense enough (the
        // common case: ids are sequential), several times cheaper than a hash map over tens of
        // thousands of postings. Every score is positive (idf > 0, tf > 0), so 0 marks a
        // document nothing matched.
        let mut dense = vec![0.0f64; span + 1];
        for list in &lists {
            weights.each_score(list, |doc, score| dense[(doc - low) as usize] += score);
        }
        for (offset, score) in dense.into_iter().enumerate() {
            if score > 0.0 {
                best.offer(low + offset as i64, score);
            }
        }
    } else {
        let mut sparse: HashMap<i64, f64> = HashMap::with_capacity(count);
        for list in &lists {
            weights.each_score(list, |doc, score| *sparse.entry(doc).or_default() += score);
        }
        for (doc, score) in sparse {
            best.offer(doc, score);
        }
    }
    best.into_ranked()
}

/// BM25 of one term over a corpus.
struct Bm25 {
    documents: f64,
    average_length: f64,
}

impl Bm25 {
    /// Calls `add` with each posting's document and its share of that document's score.
    fn each_score(&self, list: &[Posting], mut add: impl FnMut(i64, f64)) {
        let df = list.len() as f64;
        let idf = (1.0 + (self.documents - df + 0.5) / (df + 0.5)).ln();
        let per_length = K1 * B / self.average_length;
        for posting in list {
            let tf = f64::from(posting.frequency.primary) * PRIMARY_WEIGHT
                + f64::from(posting.frequency.secondary) * SECONDARY_WEIGHT;
            let norm = K1 * (1.0 - B) + per_length * f64::from(posting.length);
            add(posting.doc, idf * tf * (K1 + 1.0) / (tf + norm));
        }
    }
}

/// The best `size` of the documents offered, and how many were offered: one pass with a heap
/// of `size` whose root is the worst kept, so that nothing is collected or sorted but the top.
struct Best {
    size: usize,
    offered: usize,
    kept: BinaryHeap<Reverse<Scored>>,
}

/// Ordered by score, then by lower id: the greater is the better hit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    score: f64,
    doc: i64,
}

impl Eq for Scored {}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then(other.doc.cmp(&self.doc))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Best {
    fn new(size: usize) -> Self {
        Self {
            size,
            offered: 0,
            kept: BinaryHeap::with_capacity(size.min(MAX_HITS)),
        }
    }

    #[inline]
    fn offer(&mut self, doc: i64, score: f64) {
        self.offered += 1;
        let scored = Scored { score, doc };
        if self.kept.len() < self.size {
            self.kept.push(Reverse(scored));
        } else if let Some(mut worst) = self.kept.peek_mut()
            && scored > worst.0
        {
            *worst = Reverse(scored);
        }
    }

    fn into_ranked(self) -> Ranked {
        Ranked {
            total: self.offered,
            top: self
                .kept
                .into_sorted_vec()
                .into_iter()
                .map(|Reverse(scored)| (scored.doc, scored.score))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokenize(text)
    }

    #[test]
    fn cjk_runs_give_characters_and_bigrams() {
        assert_eq!(
            terms("小米充电宝"),
            ["小", "小米", "米", "米充", "充", "充电", "电", "电宝", "宝"]
        );
        assert_eq!(terms("高数"), ["高", "高数", "数"]);
    }

    #[test]
    fn latin_words_are_lower_cased_and_split_on_punctuation() {
        assert_eq!(terms("iPhone-13 Pro, 128GB!"), ["iphone", "13", "pro", "128gb"]);
    }

    #[test]
    fn mixed_text_switches_between_words_and_runs() {
        assert_eq!(terms("九成新iPad"), ["九", "九成", "成", "成新", "新", "ipad"]);
        assert_eq!(terms("T,九龙湖"), ["t", "九", "九龙", "龙", "龙湖", "湖"]);
    }

    #[test]
    fn full_width_forms_equal_half_width() {
        assert_eq!(terms("ＩＰＡＤ　２０２１"), terms("ipad 2021"));
        assert_eq!(terms("（小米）"), terms("(小米)"));
    }

    #[test]
    fn emoji_and_punctuation_separate_and_vanish() {
        assert_eq!(
            terms("小米🔋充电宝！！"),
            ["小", "小米", "米", "充", "充电", "电", "电宝", "宝"]
        );
        assert!(terms("🎉🎉 ... ！？").is_empty());
        assert!(terms("").is_empty());
    }

    #[test]
    fn document_terms_count_fields_separately_and_are_bounded() {
        let doc = document_terms("小米 小米", "米");
        assert_eq!(
            doc.terms["小米"],
            TermFrequency {
                primary: 2,
                secondary: 0
            }
        );
        assert_eq!(
            doc.terms["米"],
            TermFrequency {
                primary: 2,
                secondary: 1
            }
        );
        assert_eq!(doc.length, 13); // 6 title tokens × 2 + 1 note token
        let long = document_terms(
            "标题",
            &"的一是不了人我在有他这为之大来以个中上们到说时地也子就出要".repeat(3),
        );
        assert_eq!(long.terms.len(), MAX_TERMS_PER_DOCUMENT);
        assert!(long.terms.contains_key("标题"), "title terms are kept first");
    }

    #[test]
    fn query_terms_prefer_bigrams_and_words() {
        assert_eq!(query_terms("小米 小米 usb"), ["小米", "usb", "小", "米"]);
        let many = query_terms("一二三四五六七八九十甲乙丙丁戊己庚辛");
        assert_eq!(many.len(), MAX_QUERY_TERMS);
        assert!(many.iter().all(|t| t.chars().count() == 2));
    }

    fn stats(documents: i64) -> CorpusStats {
        CorpusStats {
            documents,
            total_length: documents * 30,
        }
    }

    #[test]
    fn bm25_ranks_title_matches_above_note_matches_and_rare_terms_higher() {
        let posting = |doc, primary, secondary| Posting {
            doc,
            frequency: TermFrequency { primary, secondary },
            length: 30,
        };
        let postings = HashMap::from([("充电".to_owned(), vec![posting(1, 0, 1), posting(2, 1, 0)])]);
        let ranked = rank(stats(100), &postings, 10).top;
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 1]);
        let postings = HashMap::from([
            ("common".to_owned(), (1..=50).map(|d| posting(d, 1, 0)).collect()),
            ("rare".to_owned(), vec![posting(7, 1, 0)]),
        ]);
        let ranked = rank(stats(100), &postings, 10).top;
        assert_eq!(ranked[0].0, 7);
        assert!(ranked[0].1 > ranked[1].1);
        assert_eq!(
            rank(stats(10), &HashMap::new(), 10),
            Ranked {
                total: 0,
                top: Vec::new()
            }
        );
    }

    #[test]
    fn dense_and_sparse_ids_rank_alike_and_only_the_top_is_kept() {
        let posting = |i: i64, doc, primary| Posting {
            doc,
            frequency: TermFrequency { primary, secondary: 1 },
            length: 20 + (i % 7) as u32,
        };
        let lists = |docs: &dyn Fn(i64) -> i64| {
            let a = (1..=300).map(|i| posting(i, docs(i), (i % 3) as u32 + 1));
            let b = (1..=300).step_by(4).map(|i| posting(i, docs(i), 1));
            HashMap::from([("a".to_owned(), a.collect::<Vec<_>>()), ("b".to_owned(), b.collect())])
        };
        let dense = rank(stats(1000), &lists(&|i| i), 25);
        let sparse = rank(stats(1000), &lists(&|i| i * 1_000_003), 25);
        assert_eq!((dense.total, sparse.total), (300, 300));
        let scores = |ranked: &Ranked| ranked.top.iter().map(|(_, score)| *score).collect::<Vec<_>>();
        assert_eq!(scores(&dense), scores(&sparse));
        assert_eq!(dense.top.len(), 25);
        let ids: Vec<i64> = dense.top.iter().map(|(id, _)| id * 1_000_003).collect();
        assert_eq!(ids, sparse.top.iter().map(|(id, _)| *id).collect::<Vec<_>>());
        assert!(dense.top.windows(2).all(|pair| pair[0].1 >= pair[1].1));
    }

    #[test]
    fn ties_go_to_the_lower_id_and_size_zero_still_counts_every_match() {
        let posting = |doc| Posting {
            doc,
            frequency: TermFrequency {
                primary: 1,
                secondary: 0,
            },
            length: 30,
        };
        let postings = HashMap::from([("t".to_owned(), [9, 4, 7, 1, 8].map(posting).to_vec())]);
        let ids = |ranked: Ranked| ranked.top.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(rank(stats(100), &postings, 3)), [1, 4, 7]);
        assert_eq!(ids(rank(stats(100), &postings, 50)), [1, 4, 7, 8, 9]);
        let counted = rank(stats(100), &postings, 0);
        assert_eq!((counted.total, counted.top.len()), (5, 0));
    }

    #[test]
    fn a_long_query_keeps_its_rarest_terms() {
        let candidates: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
        let counts: HashMap<String, u64> = (0..20).map(|i| (format!("w{i}"), 1000 - i * 10)).collect();
        let kept = rarest(candidates.clone(), &counts);
        assert_eq!(kept.len(), MAX_QUERY_TERMS);
        assert_eq!(kept[0], "w19");
        assert!(!kept.contains(&"w0".to_owned()) && !kept.contains(&"w3".to_owned()));
        let unknown = rarest(candidates, &HashMap::new());
        assert_eq!(unknown[..2], ["w0", "w1"], "without counts, the order typed");
    }

    #[test]
    fn only_the_first_characters_of_a_query_are_read() {
        let long = format!("{} 充电宝", "x".repeat(MAX_QUERY_CHARS));
        assert!(!query_terms(&long).contains(&"充电宝".to_owned()));
        let words: String = (0..100_000).map(|i| format!("w{i} ")).collect();
        let terms = query_terms(&words);
        assert_eq!(terms.len(), MAX_QUERY_TERMS);
        assert_eq!(terms[0], "w0");
    }
}
