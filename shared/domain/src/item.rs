//! Items (sell posts and want posts), their trade states, and their JSON shape.

use crate::ids::{ItemId, UserId};
use serde::{Serialize, Serializer};

/// An item's `sold` state, with the numbers the original and its client use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sold {
    /// A sell post, open.
    OnSale = 1,
    /// A sell post whose buyer confirmed receipt.
    Sold = 2,
    /// A sell post whose owner accepted a buyer.
    Reserved = 3,
    /// A want post, open.
    Wanted = -1,
    /// A want post whose counter-party confirmed.
    Got = -2,
    /// A want post whose owner accepted a counter-party.
    Trading = -3,
}

/// A number that is not one of the `sold` states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an item state")]
pub struct UnknownSold(pub i64);

impl TryFrom<i64> for Sold {
    type Error = UnknownSold;

    fn try_from(value: i64) -> Result<Self, UnknownSold> {
        Ok(match value {
            1 => Self::OnSale,
            2 => Self::Sold,
            3 => Self::Reserved,
            -1 => Self::Wanted,
            -2 => Self::Got,
            -3 => Self::Trading,
            other => return Err(UnknownSold(other)),
        })
    }
}

impl From<Sold> for i64 {
    fn from(sold: Sold) -> Self {
        sold as i64
    }
}

impl Serialize for Sold {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64((*self).into())
    }
}

/// A move of the trade state machine: the write applies only while the item is still `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Sold,
    pub to: Sold,
}

impl Sold {
    /// Open posts may be offered: sell posts and want posts.
    pub fn is_open(self) -> bool {
        matches!(self, Self::OnSale | Self::Wanted)
    }

    /// `/item/order`: the owner accepts a counter-party (1→3, -1→-3).
    pub fn reserve(self) -> Option<Transition> {
        self.to(match self {
            Self::OnSale => Self::Reserved,
            Self::Wanted => Self::Trading,
            _ => return None,
        })
    }

    /// `/item/trade`: the counter-party confirms (3→2, -3→-2).
    pub fn complete(self) -> Option<Transition> {
        self.to(match self {
            Self::Reserved => Self::Sold,
            Self::Trading => Self::Got,
            _ => return None,
        })
    }

    /// `/item/reset`: the owner aborts a reservation (3→1, -3→-1).
    pub fn release(self) -> Option<Transition> {
        self.to(match self {
            Self::Reserved => Self::OnSale,
            Self::Trading => Self::Wanted,
            _ => return None,
        })
    }

    fn to(self, to: Sold) -> Option<Transition> {
        Some(Transition { from: self, to })
    }

    /// What a deleted item shows: 3 for a sell post, -3 for a want post, as the original's
    /// delete wrote, so old clients keep treating it as gone.
    fn shown_when_deleted(self) -> Self {
        if i64::from(self) > 0 {
            Self::Reserved
        } else {
            Self::Trading
        }
    }
}

pub const DEFAULT_IMAGE: &str = "image/item/default.jpg";
pub const MAX_IMAGES: usize = 9;

/// Categories 1..=8: 电子产品, 服饰鞋包, 交通工具, 美妆个护, 日常用品, 图书文具, 运动健身, 其他.
pub const CATEGORIES: std::ops::RangeInclusive<i64> = 1..=8;
/// Percent of "as new" (the wire's `depreciatione`).
pub const CONDITION: std::ops::RangeInclusive<i64> = 1..=100;
pub const MAX_PRICE: f64 = 100_000_000.0;
/// The smallest price above zero: one fen. Smaller numbers mean nothing to a buyer, and far
/// smaller ones (`1e-200`) are outside what DynamoDB can store.
pub const MIN_NONZERO_PRICE: f64 = 0.01;
/// Why an open listing that its owner did not edit or renew for the configured age (default 90
/// days, `LISTING_MAX_AGE_DAYS`) was withdrawn: it is then hidden for this reason, and
/// `/item/renew` brings it back.
pub const EXPIRED: &str = "expired";
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_NOTE_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: ItemId,
    /// The publisher.
    pub owner: UserId,
    pub title: String,
    pub category: i64,
    pub price: f64,
    /// The picture paths, `++`-joined with a trailing `++` (the original's format).
    pub images: String,
    /// Percent of "as new".
    pub condition: i64,
    pub note: String,
    pub sold: Sold,
    /// The counter-party once the owner accepted one.
    pub buyer: Option<UserId>,
    pub deleted: bool,
    /// Why a moderator (or enough reports) hid it: it is then also `deleted`, except to its owner.
    pub hidden: Option<String>,
}

/// An item as the client reads it. Fields are in the wire's key order (alphabetical, as every
/// reply has always been).
#[derive(Debug, Serialize)]
pub struct ItemView<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    depreciatione: i64,
    /// To its owner only: why the item is hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden: Option<&'a str>,
    imgurl: &'a str,
    itemid: ItemId,
    note: &'a str,
    price: f64,
    sold: Sold,
    title: &'a str,
    /// The counter-party, 0 when there is none.
    to: i64,
    #[serde(rename = "type")]
    category: i64,
    uuid: UserId,
}

/// What a search hit shows of a live item: its `_source` and id, and nothing else is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: ItemId,
    pub title: String,
    pub note: String,
    pub price: f64,
}

/// The editable part of an item: what `/item/add` takes and `/item/modify` may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemDetails {
    pub title: Option<String>,
    pub category: Option<i64>,
    pub price: Option<f64>,
    pub condition: Option<i64>,
    pub note: Option<String>,
}

/// A detail that is missing or out of range, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("item field {0} is missing or out of range")]
pub struct InvalidItem(pub &'static str);

/// Non-blank, at most `max` characters, no control characters but line breaks.
fn valid_post_text(value: &str, max: usize) -> bool {
    !value.trim().is_empty() && value.chars().count() <= max && !value.chars().any(|c| c.is_control() && c != '\n')
}

impl ItemDetails {
    /// Checks every present field.
    pub fn validate(&self) -> Result<(), InvalidItem> {
        if self
            .title
            .as_deref()
            .is_some_and(|t| !valid_post_text(t, MAX_TITLE_CHARS))
        {
            return Err(InvalidItem("title"));
        }
        if self
            .note
            .as_deref()
            .is_some_and(|n| !valid_post_text(n, MAX_NOTE_CHARS))
        {
            return Err(InvalidItem("note"));
        }
        if self.category.is_some_and(|k| !CATEGORIES.contains(&k)) {
            return Err(InvalidItem("type"));
        }
        if self
            .price
            .is_some_and(|p| !(p == 0.0 || (MIN_NONZERO_PRICE..=MAX_PRICE).contains(&p)))
        {
            return Err(InvalidItem("price"));
        }
        if self.condition.is_some_and(|d| !CONDITION.contains(&d)) {
            return Err(InvalidItem("depreciatione"));
        }
        Ok(())
    }
}

impl Item {
    /// A new post: every detail is required, `sold` is 1 (sell) or -1 (want). The store
    /// assigns the id when it saves the post.
    pub fn new_post(id: ItemId, owner: UserId, details: ItemDetails, sold: i64) -> Result<Self, InvalidItem> {
        details.validate()?;
        let sold = Sold::try_from(sold)
            .ok()
            .filter(|s| s.is_open())
            .ok_or(InvalidItem("sold"))?;
        Ok(Self {
            id,
            owner,
            title: details.title.ok_or(InvalidItem("title"))?,
            category: details.category.ok_or(InvalidItem("type"))?,
            price: details.price.ok_or(InvalidItem("price"))?,
            images: DEFAULT_IMAGE.to_owned(),
            condition: details.condition.ok_or(InvalidItem("depreciatione"))?,
            note: details.note.ok_or(InvalidItem("note"))?,
            sold,
            buyer: None,
            deleted: false,
            hidden: None,
        })
    }

    /// Live: not deleted and still on offer (sell post on sale, or want post open).
    pub fn is_live(&self) -> bool {
        !self.deleted && self.sold.is_open()
    }

    /// What the client sees: a deleted item shows `sold` 3 (sell post) or -3 (want post) and
    /// `"deleted": true`.
    pub fn view(&self) -> ItemView<'_> {
        ItemView {
            deleted: self.deleted,
            depreciatione: self.condition,
            hidden: None,
            imgurl: &self.images,
            itemid: self.id,
            note: &self.note,
            price: self.price,
            sold: if self.deleted {
                self.sold.shown_when_deleted()
            } else {
                self.sold
            },
            title: &self.title,
            to: self.buyer.map_or(0, UserId::get),
            category: self.category,
            uuid: self.owner,
        }
    }

    /// What its owner sees: as [`Item::view`], and why it is hidden if it is.
    pub fn owner_view(&self) -> ItemView<'_> {
        ItemView {
            hidden: self.hidden.as_deref(),
            ..self.view()
        }
    }

    /// The stored image paths, in order.
    pub fn image_paths(&self) -> Vec<&str> {
        self.images.split("++").filter(|p| !p.is_empty()).collect()
    }
}

/// `["a", "b"]` → `"a++b++"`, the original's format.
pub fn join_image_paths(paths: &[String]) -> String {
    paths.iter().map(|p| format!("{p}++")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SELLER: UserId = UserId::new(3);

    fn details() -> ItemDetails {
        ItemDetails {
            title: Some("九成新 小米充电宝".into()),
            category: Some(1),
            price: Some(35.5),
            condition: Some(90),
            note: Some("T,九龙湖".into()),
        }
    }

    fn post(sold: Sold) -> Item {
        Item::new_post(ItemId::new(7), SELLER, details(), sold.into()).unwrap()
    }

    fn view(item: &Item) -> serde_json::Value {
        serde_json::to_value(item.view()).unwrap()
    }

    #[test]
    fn new_posts_start_with_the_default_image_and_no_buyer() {
        let item = post(Sold::OnSale);
        assert_eq!(
            serde_json::to_string(&item.view()).unwrap(),
            json!({"itemid":7,"uuid":3,"title":"九成新 小米充电宝","type":1,"price":35.5,
                   "imgurl":"image/item/default.jpg","depreciatione":90,"note":"T,九龙湖","sold":1,"to":0})
            .to_string(),
            "same keys, values and key order as the json! replies always had"
        );
        assert!(item.is_live());
    }

    #[test]
    fn only_sell_and_want_posts_can_be_added() {
        for sold in [0, 2, 3, -2, -3, 99] {
            assert_eq!(
                Item::new_post(ItemId::new(1), SELLER, details(), sold),
                Err(InvalidItem("sold"))
            );
        }
        assert!(Item::new_post(ItemId::new(1), SELLER, details(), -1).is_ok());
    }

    #[test]
    fn sold_round_trips_its_numbers() {
        for number in [1, 2, 3, -1, -2, -3] {
            assert_eq!(i64::from(Sold::try_from(number).unwrap()), number);
        }
        assert_eq!(Sold::try_from(0), Err(UnknownSold(0)));
    }

    #[test]
    fn the_trade_state_machine() {
        let reserve = |s: Sold| s.reserve().map(|t| t.to);
        let complete = |s: Sold| s.complete().map(|t| t.to);
        let release = |s: Sold| s.release().map(|t| t.to);
        assert_eq!(reserve(Sold::OnSale), Some(Sold::Reserved));
        assert_eq!(reserve(Sold::Wanted), Some(Sold::Trading));
        assert_eq!(complete(Sold::Reserved), Some(Sold::Sold));
        assert_eq!(complete(Sold::Trading), Some(Sold::Got));
        assert_eq!(release(Sold::Reserved), Some(Sold::OnSale));
        assert_eq!(release(Sold::Trading), Some(Sold::Wanted));
        for closed in [Sold::Sold, Sold::Got, Sold::Reserved, Sold::Trading] {
            assert_eq!(reserve(closed), None, "{closed:?}");
        }
        for open in [Sold::OnSale, Sold::Wanted, Sold::Sold, Sold::Got] {
            assert_eq!((complete(open), release(open)), (None, None), "{open:?}");
        }
        assert_eq!(
            Sold::OnSale.reserve(),
            Some(Transition {
                from: Sold::OnSale,
                to: Sold::Reserved
            })
        );
    }

    #[test]
    fn details_are_bounded() {
        let bad = [
            ItemDetails {
                title: Some("  ".into()),
                ..details()
            },
            ItemDetails {
                note: Some("n".repeat(256)),
                ..details()
            },
            ItemDetails {
                category: Some(0),
                ..details()
            },
            ItemDetails {
                category: Some(9),
                ..details()
            },
            ItemDetails {
                price: Some(-1.0),
                ..details()
            },
            ItemDetails {
                price: Some(f64::NAN),
                ..details()
            },
            ItemDetails {
                price: Some(f64::INFINITY),
                ..details()
            },
            ItemDetails {
                price: Some(1e-200),
                ..details()
            },
            ItemDetails {
                price: Some(0.009),
                ..details()
            },
            ItemDetails {
                condition: Some(0),
                ..details()
            },
            ItemDetails {
                condition: Some(101),
                ..details()
            },
        ];
        for details in bad {
            assert!(details.validate().is_err(), "{details:?}");
        }
        for price in [0.0, 0.01, 35.5, MAX_PRICE] {
            let details = ItemDetails {
                price: Some(price),
                ..details()
            };
            assert!(details.validate().is_ok(), "{price}");
        }
        assert_eq!(
            Item::new_post(
                ItemId::new(1),
                SELLER,
                ItemDetails {
                    note: None,
                    ..details()
                },
                1
            ),
            Err(InvalidItem("note"))
        );
    }

    #[test]
    fn deleted_items_show_the_reserved_states_and_a_flag() {
        let mut sell = post(Sold::OnSale);
        sell.deleted = true;
        assert_eq!(
            (view(&sell)["sold"].clone(), view(&sell)["deleted"].clone()),
            (json!(3), json!(true))
        );
        assert!(!sell.is_live());
        let mut want = post(Sold::Wanted);
        want.deleted = true;
        assert_eq!(view(&want)["sold"], -3);
    }

    #[test]
    fn the_buyer_shows_as_to() {
        let item = Item {
            buyer: Some(UserId::new(9)),
            sold: Sold::Reserved,
            ..post(Sold::OnSale)
        };
        assert_eq!(view(&item)["to"], 9);
        assert!(view(&item).get("deleted").is_none());
    }

    #[test]
    fn image_paths_round_trip_the_plus_plus_format() {
        let joined = join_image_paths(&["image/item/1-2-0.jpg".into(), "image/item/1-2-1.png".into()]);
        assert_eq!(joined, "image/item/1-2-0.jpg++image/item/1-2-1.png++");
        let item = Item {
            images: joined,
            ..post(Sold::OnSale)
        };
        assert_eq!(item.image_paths(), ["image/item/1-2-0.jpg", "image/item/1-2-1.png"]);
    }
}
