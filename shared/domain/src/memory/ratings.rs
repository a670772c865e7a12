//! Ratings, and the ratee's score they move, as the `ratings` table and the users row hold them.

use super::InMemory;
use crate::ports::{BackendResult, RatingStore, Written};
use crate::rating::{Rating, score};
use async_trait::async_trait;

#[async_trait]
impl RatingStore for InMemory {
    async fn rate(&self, rating: &Rating) -> BackendResult<Written> {
        let mut tables = self.lock();
        if tables.ratings.contains_key(&(rating.item, rating.rater)) || !tables.users.contains_key(&rating.ratee) {
            return Ok(Written::Refused);
        }
        tables.ratings.insert((rating.item, rating.rater), rating.stars.get());
        if !tables.counted_raters.insert((rating.rater, rating.ratee)) {
            return Ok(Written::Done);
        }
        let points = tables.rating_points.entry(rating.ratee).or_insert(0);
        *points += rating.stars.points();
        let points = *points;
        let ratee = tables.users.get_mut(&rating.ratee).expect("checked above");
        ratee.ratings += 1;
        ratee.score = score(ratee.ratings, points);
        Ok(Written::Done)
    }
}
