//! Ratings after a trade: each side of a finished trade rates the other once for that item, and
//! a user's `score` is a Bayesian average of the ratings they received around the default 10,
//! so that a single rating cannot swing it far (docs/api.md, "Ratings").

use crate::ids::{ItemId, UserId};
use crate::safety::Note;
use crate::user::DEFAULT_SCORE;

/// How many neutral ratings (worth the default score) every user starts with, in effect: the
/// weight of the prior. With 5, one rating moves a new user's score by at most 1 (to 9 or 11).
pub const PRIOR_RATINGS: i64 = 5;

/// One to five stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stars(u8);

impl Stars {
    pub fn new(stars: i64) -> Option<Self> {
        u8::try_from(stars).ok().filter(|s| (1..=5).contains(s)).map(Self)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// What the rating is worth on the score's scale: 2, 6, 10, 14 or 18, so that three stars
    /// (neutral) are worth the default score of 10.
    pub fn points(self) -> i64 {
        4 * i64::from(self.0) - 2
    }
}

/// The score of a user who received `count` ratings worth `points` in all: the prior's
/// [`PRIOR_RATINGS`] neutral ratings and the real ones averaged, rounded half up.
pub fn score(count: i64, points: i64) -> i64 {
    let (count, points) = (count.max(0), points.max(0));
    let total = PRIOR_RATINGS * DEFAULT_SCORE + points;
    let weight = PRIOR_RATINGS + count;
    (2 * total + weight) / (2 * weight)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub item: ItemId,
    pub rater: UserId,
    pub ratee: UserId,
    pub stars: Stars,
    pub comment: Note,
    pub created_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_are_one_to_five() {
        assert_eq!(Stars::new(0), None);
        assert_eq!(Stars::new(6), None);
        assert_eq!(Stars::new(-3), None);
        let points: Vec<i64> = (1..=5).map(|s| Stars::new(s).unwrap().points()).collect();
        assert_eq!(points, [2, 6, 10, 14, 18]);
    }

    #[test]
    fn a_new_user_has_the_default_and_one_rating_moves_it_by_one_at_most() {
        assert_eq!(score(0, 0), DEFAULT_SCORE);
        assert_eq!(score(1, Stars::new(1).unwrap().points()), 9);
        assert_eq!(score(1, Stars::new(5).unwrap().points()), 11);
        assert_eq!(score(1, Stars::new(3).unwrap().points()), 10);
    }

    #[test]
    fn many_ratings_outweigh_the_prior() {
        assert_eq!(score(100, 100 * 18), 18);
        assert_eq!(score(100, 100 * 2), 2);
        assert_eq!(score(5, 5 * 18), 14, "five five-star ratings: half-way");
    }
}
