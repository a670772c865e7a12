//! A query: for a long one, how common each candidate term is (one BatchGetItem) to keep the
//! rarest; the postings of its terms (one parallel Query each) and the corpus statistics (one
//! Query) together; BM25 in memory; then the top documents in one BatchGetItem per 100.

use foof_domain::ids::{ItemId, UserId};
use foof_domain::ports::{BackendError, BlockList, IdAllocator, ItemStore, SearchIndex, UserStore};
use foof_domain::search::{Corpus, MAX_QUERY_TERMS, Ranked, query_candidates, rank, rarest};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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

/// The search group's use cases: search and recommendations.
pub struct Search {
    pub(crate) index: Arc<dyn SearchIndex>,
    pub(crate) items: Arc<dyn ItemStore>,
    pub(crate) users: Arc<dyn UserStore>,
    /// The id sequences tell how many documents each corpus has (BM25's N).
    pub(crate) ids: Arc<dyn IdAllocator>,
    /// Whose listings a searcher is not shown.
    pub(crate) blocks: Arc<dyn BlockList>,
}

impl Search {
    pub fn new(
        index: Arc<dyn SearchIndex>,
        items: Arc<dyn ItemStore>,
        users: Arc<dyn UserStore>,
        ids: Arc<dyn IdAllocator>,
        blocks: Arc<dyn BlockList>,
    ) -> Self {
        Self {
            index,
            items,
            users,
            ids,
            blocks,
        }
    }

    /// The users `searcher` blocks (nobody's for an anonymous search).
    pub(crate) async fn blocked_by(&self, searcher: Option<UserId>) -> Result<HashSet<UserId>, BackendError> {
        let Some(searcher) = searcher else {
            return Ok(HashSet::new());
        };
        Ok(self
            .blocks
            .blocked_by(searcher)
            .await?
            .into_iter()
            .map(|block| block.blocked)
            .collect())
    }

    /// The live listings of the users `searcher` blocks: left out before ranking, so that the
    /// total and the top hits are what the searcher may see.
    async fn unwanted_goods(&self, searcher: Option<UserId>) -> Result<HashSet<i64>, BackendError> {
        let blocked = self.blocked_by(searcher).await?;
        let listings =
            futures_util::future::try_join_all(blocked.into_iter().map(|owner| self.items.published_by(owner)));
        Ok(listings
            .await?
            .into_iter()
            .flatten()
            .map(|item| item.id.get())
            .collect())
    }

    pub async fn search(
        &self,
        corpus: Corpus,
        query: &str,
        size: usize,
        searcher: Option<UserId>,
    ) -> Result<Found, BackendError> {
        let candidates = query_candidates(query);
        let terms = match candidates.len() > MAX_QUERY_TERMS {
            true => {
                let counts = self.index.document_counts(corpus, &candidates).await?;
                rarest(candidates, &counts)
            }
            false => candidates,
        };
        if terms.is_empty() {
            return Ok(Found {
                total: 0,
                hits: Vec::new(),
            });
        }
        let unwanted = async {
            match corpus {
                Corpus::Goods => self.unwanted_goods(searcher).await,
                Corpus::Users => Ok(HashSet::new()),
            }
        };
        let (mut postings, stats, unwanted) =
            tokio::try_join!(self.index.postings(corpus, &terms), self.index.stats(corpus), unwanted)?;
        if !unwanted.is_empty() {
            for list in postings.values_mut() {
                list.retain(|posting| !unwanted.contains(&posting.doc));
            }
        }
        let Ranked { total, top } = rank(stats, &postings, size);
        let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
        let mut sources = self.sources(corpus, &ids).await?;
        let hits: Vec<Hit> = top
            .into_iter()
            .filter_map(|(id, score)| sources.remove(&id).map(|source| Hit { id, score, source }))
            .collect();
        let missing = ids.len() - hits.len();
        Ok(Found {
            total: total - missing,
            hits,
        })
    }

    /// The public `_source` of each found document.
    async fn sources(&self, corpus: Corpus, ids: &[i64]) -> Result<HashMap<i64, Source>, BackendError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(match corpus {
            Corpus::Goods => self
                .items
                .listings(&ids.iter().copied().map(ItemId::new).collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|item| {
                    (
                        item.id.get(),
                        Source::Goods {
                            title: item.title,
                            note: item.note,
                            price: item.price,
                        },
                    )
                })
                .collect(),
            Corpus::Users => self
                .users
                .public_profiles(&ids.iter().copied().map(UserId::new).collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|user| {
                    (
                        user.id.get(),
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
}
