//! Posting, editing and deleting items.

use crate::error::ItemError;
use foof_shared::app::Services;
use foof_shared::domain::item::{Item, ItemDetails};
use foof_shared::http::Fields;
use foof_shared::ports::{Created, OwnerWrite};

/// The details in a request; absent fields are `None`. Numbers may be numeric strings.
pub fn details_from(fields: &Fields) -> Result<ItemDetails, ItemError> {
    let details = ItemDetails {
        title: fields.text("title")?,
        kind: fields.integer("type")?,
        price: fields.decimal("price")?,
        depreciatione: fields.integer("depreciatione")?,
        note: fields.text("note")?,
    };
    details.validate()?;
    Ok(details)
}

pub async fn add(app: &Services, owner: i64, details: ItemDetails, sold: i64) -> Result<Item, ItemError> {
    let draft = Item::new_post(0, owner, details, sold)?;
    match app.items.create(&draft).await? {
        Created::Done(itemid) => Ok(Item { itemid, ..draft }),
        Created::Refused => Err(ItemError::Forbidden),
    }
}

pub async fn modify(app: &Services, owner: i64, itemid: i64, details: &ItemDetails) -> Result<(), ItemError> {
    match app.items.update_details(itemid, owner, details).await? {
        OwnerWrite::Done => Ok(()),
        OwnerWrite::NotOwner => Err(ItemError::ModifyRefused("Insufficient permissions")),
        OwnerWrite::Missing | OwnerWrite::Stale => Err(ItemError::ModifyRefused("no such item")),
    }
}

/// Soft delete: the item stays readable (flagged), its images stay, and it leaves everyone's
/// favourites.
pub async fn delete(app: &Services, owner: i64, itemid: i64) -> Result<(), ItemError> {
    match app.items.mark_deleted(itemid, owner).await? {
        OwnerWrite::Done => Ok(app.favorites.remove_item_everywhere(itemid).await?),
        OwnerWrite::NotOwner => Err(ItemError::NotOwner),
        OwnerWrite::Missing | OwnerWrite::Stale => Err(ItemError::NoSuchItem),
    }
}
