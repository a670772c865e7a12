//! Packed posting lists. A term's postings are kept as a few *blocks*, each holding the
//! postings of one range of [`BLOCK_SPAN`] document ids, sorted by id, with each id stored as
//! the gap from the one before and every number as a varint: about 6 bytes a posting. Newer
//! changes wait as *deltas*, one small row per (term, document), until a compactor folds them
//! into the blocks. A delta whose frequencies are both 0 is a *tombstone*: the document no
//! longer has the term.

use super::{Posting, TermFrequency};
use std::cmp::Ordering;
use thiserror::Error;

/// Documents per block: a block of a term that every document had would hold 32,768
/// postings of at most ~10 bytes, well under DynamoDB's 400 KB item limit.
pub const BLOCK_SPAN: i64 = 32_768;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a packed posting block is malformed")]
pub struct MalformedBlock;

/// Which block a document's posting belongs to.
pub fn block_of(doc: i64) -> i64 {
    doc.div_euclid(BLOCK_SPAN)
}

/// Whether a delta says the document no longer has the term.
pub fn is_tombstone(delta: &Posting) -> bool {
    delta.frequency == TermFrequency::default()
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Almost every number in a block (gaps between common terms' documents, frequencies,
/// lengths) fits one byte: that case is inlined into the decoding loop.
#[inline(always)]
fn take_varint(bytes: &[u8], at: &mut usize) -> Result<u64, MalformedBlock> {
    match bytes.get(*at) {
        Some(byte) if *byte < 0x80 => {
            *at += 1;
            Ok(u64::from(*byte))
        }
        _ => take_long_varint(bytes, at),
    }
}

#[cold]
fn take_long_varint(bytes: &[u8], at: &mut usize) -> Result<u64, MalformedBlock> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at).ok_or(MalformedBlock)?;
        *at += 1;
        value |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(MalformedBlock)
}

/// Packs postings sorted by strictly increasing positive document id.
pub fn encode(postings: &[Posting]) -> Vec<u8> {
    let mut out = Vec::with_capacity(postings.len() * 6);
    let mut previous = 0i64;
    for posting in postings {
        debug_assert!(posting.doc > previous, "postings are packed in increasing id order");
        put_varint(&mut out, (posting.doc - previous) as u64);
        put_varint(&mut out, u64::from(posting.frequency.primary));
        put_varint(&mut out, u64::from(posting.frequency.secondary));
        put_varint(&mut out, u64::from(posting.length));
        previous = posting.doc;
    }
    out
}

/// Appends the postings of a packed block to `out`, in id order.
pub fn decode_into(bytes: &[u8], out: &mut Vec<Posting>) -> Result<(), MalformedBlock> {
    let (mut at, mut previous) = (0usize, 0i64);
    let small = |value: u64| u32::try_from(value).map_err(|_| MalformedBlock);
    while at < bytes.len() {
        let gap = take_varint(bytes, &mut at)?;
        let doc = i64::try_from(gap)
            .ok()
            .and_then(|gap| previous.checked_add(gap))
            .filter(|doc| *doc > previous)
            .ok_or(MalformedBlock)?;
        let primary = small(take_varint(bytes, &mut at)?)?;
        let secondary = small(take_varint(bytes, &mut at)?)?;
        let length = small(take_varint(bytes, &mut at)?)?;
        out.push(Posting {
            doc,
            frequency: TermFrequency { primary, secondary },
            length,
        });
        previous = doc;
    }
    Ok(())
}

/// Lays `deltas` over `postings` in place, for a reader that needs every posting but not
/// their order: `postings` arrives sorted by id (the packed ones, as decoded); a delta replaces
/// its document's posting where there is one, a tombstone removes it, and a new document's
/// delta is appended. Costs a binary search per delta, and one pass only when a tombstone hit.
/// (The compactor, which must keep the order, uses [`overlay`].)
pub fn lay_over_unordered(postings: &mut Vec<Posting>, deltas: &[Posting]) {
    let packed = postings.len();
    let mut removed = false;
    for delta in deltas {
        match postings[..packed].binary_search_by_key(&delta.doc, |posting| posting.doc) {
            Ok(at) => {
                removed |= is_tombstone(delta);
                postings[at] = *delta;
            }
            Err(_) if !is_tombstone(delta) => postings.push(*delta),
            Err(_) => {}
        }
    }
    if removed {
        postings.retain(|posting| !is_tombstone(posting));
    }
}

/// A term's postings: the packed ones (sorted by id) with the deltas (sorted by id) laid over
/// them. A delta replaces the packed posting of its document; a tombstone removes it.
pub fn overlay(packed: &[Posting], deltas: &[Posting]) -> Vec<Posting> {
    let mut merged = Vec::with_capacity(packed.len() + deltas.len());
    let (mut p, mut d) = (0, 0);
    loop {
        let next = match (packed.get(p), deltas.get(d)) {
            (None, None) => return merged,
            (Some(posting), None) => {
                p += 1;
                *posting
            }
            (None, Some(delta)) => {
                d += 1;
                *delta
            }
            (Some(posting), Some(delta)) => match posting.doc.cmp(&delta.doc) {
                Ordering::Less => {
                    p += 1;
                    *posting
                }
                Ordering::Greater => {
                    d += 1;
                    *delta
                }
                Ordering::Equal => {
                    p += 1;
                    d += 1;
                    *delta
                }
            },
        };
        if !is_tombstone(&next) {
            merged.push(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(doc: i64, primary: u32, secondary: u32, length: u32) -> Posting {
        Posting {
            doc,
            frequency: TermFrequency { primary, secondary },
            length,
        }
    }

    #[test]
    fn blocks_round_trip_in_a_few_bytes_a_posting() {
        let postings: Vec<Posting> = (1..=5_000).map(|i| posting(i * 3, (i % 3) as u32, 1, 40)).collect();
        let packed = encode(&postings);
        assert!(packed.len() <= postings.len() * 4, "{} bytes", packed.len());
        let mut decoded = Vec::new();
        decode_into(&packed, &mut decoded).unwrap();
        assert_eq!(decoded, postings);
        let large = [
            posting(1, 0, 1, 3),
            posting(i64::from(u32::MAX) * 4, u32::MAX, 7, u32::MAX),
        ];
        let mut decoded = Vec::new();
        decode_into(&encode(&large), &mut decoded).unwrap();
        assert_eq!(decoded, large);
    }

    #[test]
    fn a_malformed_block_is_refused() {
        let packed = encode(&[posting(5, 1, 0, 9)]);
        for bad in [&packed[..packed.len() - 1], &[0x80; 11][..], &[0, 1, 0, 9][..]] {
            assert_eq!(decode_into(bad, &mut Vec::new()), Err(MalformedBlock), "{bad:?}");
        }
    }

    #[test]
    fn deltas_replace_add_and_remove_packed_postings() {
        let packed = [posting(1, 1, 0, 5), posting(4, 1, 0, 5), posting(9, 2, 0, 5)];
        let deltas = [
            posting(2, 1, 1, 6),
            posting(4, 0, 0, 0),
            posting(9, 1, 0, 4),
            posting(12, 0, 0, 0),
        ];
        assert_eq!(
            overlay(&packed, &deltas),
            [posting(1, 1, 0, 5), posting(2, 1, 1, 6), posting(9, 1, 0, 4)]
        );
        assert_eq!(overlay(&[], &deltas[..1]), deltas[..1]);
        assert_eq!(overlay(&packed, &[]), packed);
    }

    #[test]
    fn laying_deltas_over_unordered_gives_the_same_postings_as_the_ordered_overlay() {
        let packed: Vec<Posting> = (1..=40).map(|i| posting(i * 3, 1, (i % 2) as u32, 9)).collect();
        let deltas = [
            posting(1, 1, 0, 4),   // new, before every packed id
            posting(3, 0, 0, 0),   // removes a packed posting
            posting(6, 2, 2, 11),  // replaces one
            posting(7, 0, 0, 0),   // removes one that was never packed
            posting(200, 1, 1, 5), // new, after every packed id
        ];
        let mut unordered = packed.clone();
        lay_over_unordered(&mut unordered, &deltas);
        unordered.sort_by_key(|posting| posting.doc);
        assert_eq!(unordered, overlay(&packed, &deltas));
        let mut only_new = Vec::new();
        lay_over_unordered(&mut only_new, &deltas);
        assert_eq!(only_new, [deltas[0], deltas[2], deltas[4]]);
    }

    #[test]
    fn documents_fall_into_blocks_by_id_range() {
        assert_eq!((block_of(1), block_of(BLOCK_SPAN - 1), block_of(BLOCK_SPAN)), (0, 0, 1));
    }
}
