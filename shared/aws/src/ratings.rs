//! Ratings in `{prefix}-ratings`, keyed by item and rater: the conditional put is what lets each
//! side of a trade rate once, and the same transaction adds the rating to the ratee's totals on
//! their users row (`ratingCount`, `ratingPoints`), from which their score is computed. Only a
//! rater's first rating of a user counts in those totals (`ratedBy`, the set of raters who
//! counted): two accounts trading item after item cannot pump each other's scores.

use super::attributes::{Row, n, s};
use super::errors::Built;
use super::transact::{transact, user_exists};
use super::update::ConditionalUpdate;
use super::users::{RATED_BY, RATING_COUNT, RATING_POINTS};
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use foof_domain::ports::{BackendResult, RatingStore, Written};
use foof_domain::rating::Rating;

pub struct DynamoRatings {
    client: aws_sdk_dynamodb::Client,
    table: String,
    users: String,
}

impl DynamoRatings {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables) -> Self {
        Self {
            client,
            table: tables.name("ratings"),
            users: tables.name("users"),
        }
    }
}

fn rating_row(rating: &Rating) -> Row {
    Row::from([
        ("itemid".to_owned(), n(rating.item.get())),
        ("rater".to_owned(), n(rating.rater.get())),
        ("ratee".to_owned(), n(rating.ratee.get())),
        ("stars".to_owned(), n(i64::from(rating.stars.get()))),
        ("comment".to_owned(), s(rating.comment.as_str())),
        ("createdAt".to_owned(), n(rating.created_at_ms)),
    ])
}

#[async_trait]
impl RatingStore for DynamoRatings {
    async fn rate(&self, rating: &Rating) -> BackendResult<Written> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(rating_row(rating)))
            .condition_expression("attribute_not_exists(rater)")
            .build()
            .built()?;
        let rater = rating.rater.get().to_string();
        let counted = ConditionalUpdate::new(
            &self.users,
            "uuid",
            n(rating.ratee.get()),
            "ADD #count :one, #points :points, #ratedBy :rater",
        )
        .when("attribute_exists(#uuid) AND NOT contains(#ratedBy, :raterId)")
        .name("#count", RATING_COUNT)
        .name("#points", RATING_POINTS)
        .name("#ratedBy", RATED_BY)
        .name("#uuid", "uuid")
        .value(":one", n(1))
        .value(":points", n(rating.stars.points()))
        .value(":rater", AttributeValue::Ns(vec![rater]))
        .value(":raterId", n(rating.rater.get()));
        let put = TransactWriteItem::builder().put(put).build();
        match transact(&self.client, vec![put.clone(), counted.into_step()?]).await? {
            None => return Ok(Written::Done),
            Some(0) => return Ok(Written::Refused),
            Some(_) => {}
        }
        // This rater counted in the ratee's score already (or the ratee is gone): the rating is
        // kept, and counts no more.
        let kept = vec![put, user_exists(&self.users, rating.ratee)?];
        Ok(match transact(&self.client, kept).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }
}
