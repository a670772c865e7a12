//! Items (sell posts and want posts), their `sold` states, and their JSON shape.

use serde_json::{Value, json};

/// `sold` values, as the original and its client use them.
pub mod sold {
    pub const ON_SALE: i64 = 1;
    pub const SOLD: i64 = 2;
    pub const RESERVED: i64 = 3;
    pub const WANTED: i64 = -1;
    pub const GOT: i64 = -2;
    pub const TRADING: i64 = -3;
}

pub const DEFAULT_IMAGE: &str = "image/item/default.jpg";
pub const MAX_IMAGES: usize = 9;

/// Categories 1..=8: 电子产品, 服饰鞋包, 交通工具, 美妆个护, 日常用品, 图书文具, 运动健身, 其他.
pub const TYPES: std::ops::RangeInclusive<i64> = 1..=8;
pub const DEPRECIATION: std::ops::RangeInclusive<i64> = 1..=100;
pub const MAX_PRICE: f64 = 100_000_000.0;
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_NOTE_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub itemid: i64,
    /// The owner (publisher).
    pub uuid: i64,
    pub title: String,
    pub kind: i64,
    pub price: f64,
    pub imgurl: String,
    pub depreciatione: i64,
    pub note: String,
    pub sold: i64,
    /// The counter-party (buyer) once ordered; 0 otherwise.
    pub to: i64,
    pub deleted: bool,
}

/// What a search hit shows of a live item: its `_source` and id, and nothing else is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub itemid: i64,
    pub title: String,
    pub note: String,
    pub price: f64,
}

/// The editable part of an item: what `/item/add` takes and `/item/modify` may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemDetails {
    pub title: Option<String>,
    pub kind: Option<i64>,
    pub price: Option<f64>,
    pub depreciatione: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("item field {0} is missing or out of range")]
pub struct InvalidItem(pub &'static str);

fn valid_text(value: &str, max: usize) -> bool {
    !value.trim().is_empty() && value.chars().count() <= max && !value.chars().any(|c| c.is_control() && c != '\n')
}

impl ItemDetails {
    /// Checks every present field.
    pub fn validate(&self) -> Result<(), InvalidItem> {
        if self.title.as_deref().is_some_and(|t| !valid_text(t, MAX_TITLE_CHARS)) {
            return Err(InvalidItem("title"));
        }
        if self.note.as_deref().is_some_and(|n| !valid_text(n, MAX_NOTE_CHARS)) {
            return Err(InvalidItem("note"));
        }
        if self.kind.is_some_and(|k| !TYPES.contains(&k)) {
            return Err(InvalidItem("type"));
        }
        if self
            .price
            .is_some_and(|p| !p.is_finite() || !(0.0..=MAX_PRICE).contains(&p))
        {
            return Err(InvalidItem("price"));
        }
        if self.depreciatione.is_some_and(|d| !DEPRECIATION.contains(&d)) {
            return Err(InvalidItem("depreciatione"));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Item {
    /// A new post: every detail is required, `sold` is 1 (sell) or -1 (want).
    pub fn new_post(itemid: i64, owner: i64, details: ItemDetails, sold: i64) -> Result<Self, InvalidItem> {
        details.validate()?;
        if sold != sold::ON_SALE && sold != sold::WANTED {
            return Err(InvalidItem("sold"));
        }
        Ok(Self {
            itemid,
            uuid: owner,
            title: details.title.ok_or(InvalidItem("title"))?,
            kind: details.kind.ok_or(InvalidItem("type"))?,
            price: details.price.ok_or(InvalidItem("price"))?,
            imgurl: DEFAULT_IMAGE.to_owned(),
            depreciatione: details.depreciatione.ok_or(InvalidItem("depreciatione"))?,
            note: details.note.ok_or(InvalidItem("note"))?,
            sold,
            to: 0,
            deleted: false,
        })
    }

    /// Live: not deleted and still on offer (sell post on sale, or want post open).
    pub fn is_live(&self) -> bool {
        !self.deleted && (self.sold == sold::ON_SALE || self.sold == sold::WANTED)
    }

    /// What the client sees: a deleted item shows `sold` 3 (sell post) or -3 (want post) and
    /// `"deleted": true`, as the original's delete did, so old clients keep treating it as gone.
    pub fn json(&self) -> Value {
        let mut value = json!({
            "itemid": self.itemid,
            "uuid": self.uuid,
            "title": self.title,
            "type": self.kind,
            "price": self.price,
            "imgurl": self.imgurl,
            "depreciatione": self.depreciatione,
            "note": self.note,
            "sold": if self.deleted { if self.sold > 0 { sold::RESERVED } else { sold::TRADING } } else { self.sold },
            "to": self.to,
        });
        if self.deleted {
            value["deleted"] = Value::Bool(true);
        }
        value
    }

    /// The stored image paths, in order (`imgurl` is `++`-joined with a trailing `++`).
    pub fn image_paths(&self) -> Vec<&str> {
        self.imgurl.split("++").filter(|p| !p.is_empty()).collect()
    }
}

/// `["a", "b"]` → `"a++b++"`, the original's format.
pub fn join_image_paths(paths: &[String]) -> String {
    paths.iter().map(|p| format!("{p}++")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> ItemDetails {
        ItemDetails {
            title: Some("九成新 小米充电宝".into()),
            kind: Some(1),
            price: Some(35.5),
            depreciatione: Some(90),
            note: Some("T,九龙湖".into()),
        }
    }

    #[test]
    fn new_posts_start_with_the_default_image_and_no_buyer() {
        let item = Item::new_post(7, 3, details(), sold::ON_SALE).unwrap();
        assert_eq!(
            item.json(),
            json!({"itemid":7,"uuid":3,"title":"九成新 小米充电宝","type":1,"price":35.5,"imgurl":"image/item/default.jpg","depreciatione":90,"note":"T,九龙湖","sold":1,"to":0})
        );
        assert!(item.is_live());
    }

    #[test]
    fn only_sell_and_want_posts_can_be_added() {
        for sold in [0, 2, 3, -2, -3, 99] {
            assert_eq!(Item::new_post(1, 1, details(), sold), Err(InvalidItem("sold")));
        }
        assert!(Item::new_post(1, 1, details(), sold::WANTED).is_ok());
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
                kind: Some(0),
                ..details()
            },
            ItemDetails {
                kind: Some(9),
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
                depreciatione: Some(0),
                ..details()
            },
            ItemDetails {
                depreciatione: Some(101),
                ..details()
            },
        ];
        for details in bad {
            assert!(details.validate().is_err(), "{details:?}");
        }
        assert_eq!(
            Item::new_post(
                1,
                1,
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
        let mut sell = Item::new_post(1, 1, details(), sold::ON_SALE).unwrap();
        sell.deleted = true;
        assert_eq!(
            (sell.json()["sold"].clone(), sell.json()["deleted"].clone()),
            (json!(3), json!(true))
        );
        assert!(!sell.is_live());
        let mut want = Item::new_post(2, 1, details(), sold::WANTED).unwrap();
        want.deleted = true;
        assert_eq!(want.json()["sold"], -3);
    }

    #[test]
    fn image_paths_round_trip_the_plus_plus_format() {
        let joined = join_image_paths(&["image/item/1-2-0.jpg".into(), "image/item/1-2-1.png".into()]);
        assert_eq!(joined, "image/item/1-2-0.jpg++image/item/1-2-1.png++");
        let item = Item {
            imgurl: joined,
            ..Item::new_post(2, 1, details(), 1).unwrap()
        };
        assert_eq!(item.image_paths(), ["image/item/1-2-0.jpg", "image/item/1-2-1.png"]);
    }
}
