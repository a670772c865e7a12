//! A query: the postings of its terms (one parallel Query each) and the corpus size (one
//! GetItem) together, BM25 in memory, then the top documents in one BatchGetItem per 100.

use foof_shared::app::Services;
use foof_shared::domain::search::{Corpus, query_terms, rank};
use foof_shared::ports::BackendError;
use serde::Serialize;
use std::collections::HashMap;

/// A hit's public `_source`: nothing private is ever read for it.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Source {
    Goods {
        title: String,
        note: String,
        price: f64,
    },
    User {
        username: String,
        info: String,
        address: String,
        score: i64,
    },
}

pub struct Hit {
    pub id: i64,
    pub score: f64,
    pub source: Source,
}

pub struct Found {
    /// Documents that matched (before `size` cut the list).
    pub total: usize,
    pub hits: Vec<Hit>,
}

pub async fn search(app: &Services, corpus: Corpus, query: &str, size: usize) -> Result<Found, BackendError> {
    let terms = query_terms(query);
    if terms.is_empty() {
        return Ok(Found {
            total: 0,
            hits: Vec::new(),
        });
    }
    let sequence = match corpus {
        Corpus::Goods => "items",
        Corpus::Users => "users",
    };
    let (postings, documents) = tokio::try_join!(app.search.postings(corpus, &terms), app.ids.issued(sequence))?;
    let ranked = rank(documents, &postings);
    let top: Vec<(i64, f64)> = ranked.iter().take(size).copied().collect();
    let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
    let mut sources = sources(app, corpus, &ids).await?;
    let hits: Vec<Hit> = top
        .into_iter()
        .filter_map(|(id, score)| sources.remove(&id).map(|source| Hit { id, score, source }))
        .collect();
    let missing = ids.len() - hits.len();
    Ok(Found {
        total: ranked.len() - missing,
        hits,
    })
}

/// The public `_source` of each found document.
async fn sources(app: &Services, corpus: Corpus, ids: &[i64]) -> Result<HashMap<i64, Source>, BackendError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(match corpus {
        Corpus::Goods => app
            .items
            .listings(ids)
            .await?
            .into_iter()
            .map(|item| {
                (
                    item.itemid,
                    Source::Goods {
                        title: item.title,
                        note: item.note,
                        price: item.price,
                    },
                )
            })
            .collect(),
        Corpus::Users => app
            .users
            .public_profiles(ids)
            .await?
            .into_iter()
            .map(|user| {
                (
                    user.uuid,
                    Source::User {
                        username: user.username,
                        info: user.info,
                        address: user.address,
                        score: user.score,
                    },
                )
            })
            .collect(),
    })
}
