//! The search index, derived on every query from the stored documents exactly as the items
//! and users adapters maintain `postings` in their write transactions: every item that is not
//! deleted (title primary, note secondary) and every user (username primary, info secondary).

use super::InMemory;
use crate::ports::{BackendResult, SearchIndex};
use crate::search::{Corpus, CorpusStats, DocumentTerms, Posting, document_terms};
use async_trait::async_trait;
use std::collections::HashMap;

impl InMemory {
    /// Every searchable document of `corpus` with its terms, newest first.
    fn documents(&self, corpus: Corpus) -> Vec<(i64, DocumentTerms)> {
        let tables = self.lock();
        match corpus {
            Corpus::Goods => tables
                .items
                .values()
                .rev()
                .filter(|item| !item.deleted)
                .map(|item| (item.id.get(), document_terms(&item.title, &item.note)))
                .collect(),
            Corpus::Users => tables
                .users
                .values()
                .rev()
                .map(|user| (user.id.get(), document_terms(&user.username, &user.info)))
                .collect(),
        }
    }
}

#[async_trait]
impl SearchIndex for InMemory {
    /// Each term's postings, newest document (largest id) first.
    async fn postings(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, Vec<Posting>>> {
        let documents = self.documents(corpus);
        let mut found = HashMap::new();
        for term in terms {
            let list: Vec<Posting> = documents
                .iter()
                .filter_map(|(doc, document)| {
                    document.terms.get(term).map(|&frequency| Posting {
                        doc: *doc,
                        frequency,
                        length: document.length,
                    })
                })
                .collect();
            if !list.is_empty() {
                found.insert(term.clone(), list);
            }
        }
        Ok(found)
    }

    async fn document_counts(&self, corpus: Corpus, terms: &[String]) -> BackendResult<HashMap<String, u64>> {
        let found = self.postings(corpus, terms).await?;
        Ok(found
            .into_iter()
            .map(|(term, list)| (term, list.len() as u64))
            .collect())
    }

    async fn stats(&self, corpus: Corpus) -> BackendResult<CorpusStats> {
        let documents = self.documents(corpus);
        Ok(CorpusStats {
            documents: documents.len() as i64,
            total_length: documents.iter().map(|(_, terms)| i64::from(terms.length)).sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ItemId, UserId};
    use crate::item::{ItemDetails, Sold};
    use crate::memory::fixtures::{draft, world};
    use crate::search::TermFrequency;
    use crate::user::ProfileChanges;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn docs(found: &HashMap<String, Vec<Posting>>, term: &str) -> Vec<i64> {
        found
            .get(term)
            .map_or_else(Vec::new, |list| list.iter().map(|p| p.doc).collect())
    }

    #[tokio::test]
    async fn items_are_indexed_by_title_and_note_until_deleted() {
        let world = world(1);
        let (items, search) = (world.items(), world.search());
        for (title, note) in [("小米充电宝", "九龙湖"), ("iPad", "小米 note"), ("书", "高数")] {
            items.create(&draft(1, title, note, Sold::OnSale)).await.unwrap();
        }
        let found = search
            .postings(Corpus::Goods, &terms(&["小米", "ipad", "nothing"]))
            .await
            .unwrap();
        assert_eq!(docs(&found, "小米"), [2, 1], "newest first");
        assert_eq!(
            found["小米"][1].frequency,
            TermFrequency {
                primary: 1,
                secondary: 0
            }
        );
        assert_eq!(found["小米"][1].length, document_terms("小米充电宝", "九龙湖").length);
        assert!(!found.contains_key("nothing"), "terms without postings are absent");

        let (owner, second) = (UserId::new(1), ItemId::new(2));
        let retitled = ItemDetails {
            title: Some("Pad".into()),
            ..ItemDetails::default()
        };
        items.update_details(second, owner, &retitled).await.unwrap();
        let found = search.postings(Corpus::Goods, &terms(&["ipad", "pad"])).await.unwrap();
        assert_eq!((docs(&found, "ipad"), docs(&found, "pad")), (vec![], vec![2]));
        items.mark_deleted(second, owner).await.unwrap();
        let found = search.postings(Corpus::Goods, &terms(&["小米", "pad"])).await.unwrap();
        assert_eq!((docs(&found, "小米"), docs(&found, "pad")), (vec![1], vec![]));
        assert!(
            search
                .postings(Corpus::Users, &terms(&["小米"]))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn users_are_indexed_by_username_and_info() {
        let world = world(2);
        let changes = ProfileChanges {
            username: Some("Alice".into()),
            ..ProfileChanges::default()
        };
        world.users().update_profile(UserId::new(2), &changes).await.unwrap();
        let found = world
            .search()
            .postings(Corpus::Users, &terms(&["alice", "懒"]))
            .await
            .unwrap();
        assert_eq!((docs(&found, "alice"), docs(&found, "懒")), (vec![2], vec![2, 1]));
    }

    #[tokio::test]
    async fn stats_count_live_documents_and_their_lengths() {
        let world = world(1);
        for title in ["书", "台灯"] {
            world
                .items()
                .create(&draft(1, title, "桃园", Sold::OnSale))
                .await
                .unwrap();
        }
        world
            .items()
            .mark_deleted(ItemId::new(1), UserId::new(1))
            .await
            .unwrap();
        assert_eq!(
            world.search().stats(Corpus::Goods).await.unwrap(),
            CorpusStats {
                documents: 1,
                total_length: i64::from(document_terms("台灯", "桃园").length)
            }
        );
    }
}
