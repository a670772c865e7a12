//! Items as rows of `{prefix}-items`: the attribute names are the original's column names
//! (`uuid` for the owner, `to` for the buyer, `type`, `depreciatione`, `imgurl`), and `to` is
//! stored only while an item has a buyer, which keeps the `by-buyer` index sparse.

use super::attributes::{Row, n, number, s, text};
use super::errors::corrupt;
use aws_sdk_dynamodb::types::AttributeValue;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::item::{Item, Listing, Sold};
use foof_domain::ports::BackendResult;

pub(crate) const ITEM_ID: &str = "itemid";
pub(crate) const OWNER: &str = "uuid";
pub(crate) const BUYER: &str = "to";
/// Why a moderator hid the item; present only while it is hidden (and then `deleted` too).
pub(crate) const HIDDEN: &str = "hidden";

pub(crate) fn item_row(item: &Item) -> Row {
    let mut row = Row::from([
        (ITEM_ID.to_owned(), n(item.id.get())),
        (OWNER.to_owned(), n(item.owner.get())),
        ("title".to_owned(), s(&item.title)),
        ("type".to_owned(), n(item.category)),
        ("price".to_owned(), price_value(item.price)),
        ("imgurl".to_owned(), s(&item.images)),
        ("depreciatione".to_owned(), n(item.condition)),
        ("note".to_owned(), s(&item.note)),
        ("sold".to_owned(), sold_value(item.sold)),
        ("deleted".to_owned(), AttributeValue::Bool(item.deleted)),
    ]);
    if let Some(buyer) = item.buyer {
        row.insert(BUYER.to_owned(), n(buyer.get()));
    }
    if let Some(why) = &item.hidden {
        row.insert(HIDDEN.to_owned(), s(why));
    }
    row
}

pub(crate) fn item_from_row(row: &Row) -> BackendResult<Item> {
    Ok(Item {
        id: ItemId::new(number(row, ITEM_ID)?),
        owner: UserId::new(number(row, OWNER)?),
        title: text(row, "title")?,
        category: number(row, "type")?,
        price: price(row)?,
        images: text(row, "imgurl")?,
        condition: number(row, "depreciatione")?,
        note: text(row, "note")?,
        sold: Sold::try_from(number(row, "sold")?).map_err(|e| corrupt(e.to_string()))?,
        buyer: row
            .contains_key(BUYER)
            .then(|| number(row, BUYER).map(UserId::new))
            .transpose()?,
        deleted: is_deleted(row),
        hidden: row.contains_key(HIDDEN).then(|| text(row, HIDDEN)).transpose()?,
    })
}

/// The attributes a search hit reads.
pub(crate) const LISTING_ATTRIBUTES: [&str; 5] = [ITEM_ID, "title", "note", "price", "deleted"];

pub(crate) fn listing_from_row(row: &Row) -> BackendResult<Listing> {
    Ok(Listing {
        id: ItemId::new(number(row, ITEM_ID)?),
        title: text(row, "title")?,
        note: text(row, "note")?,
        price: price(row)?,
    })
}

pub(crate) fn is_deleted(row: &Row) -> bool {
    matches!(row.get("deleted"), Some(AttributeValue::Bool(true)))
}

pub(crate) fn sold_value(sold: Sold) -> AttributeValue {
    n(sold.into())
}

pub(crate) fn price_value(price: f64) -> AttributeValue {
    AttributeValue::N(price.to_string())
}

fn price(row: &Row) -> BackendResult<f64> {
    match row.get("price") {
        Some(AttributeValue::N(value)) => value.parse::<f64>().map_err(|_| corrupt("price is not a number")),
        _ => Err(corrupt("price is missing")),
    }
}
