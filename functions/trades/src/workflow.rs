//! The trade state machine: order (1→3, -1→-3), trade (3→2, -3→-2), reset (3→1, -3→-1).
//! The read only picks the transition and the reply; the conditional write decides races.

use crate::error::TradeError;
use foof_shared::app::Services;
use foof_shared::domain::item::{Item, sold};
use foof_shared::ports::{MessageRemoval, Reservation, Written};

async fn live_item(app: &Services, itemid: i64) -> Result<Option<Item>, TradeError> {
    Ok(app.items.get(itemid).await?.filter(|item| !item.deleted))
}

/// The owner accepts `buyer`'s request.
pub async fn order(app: &Services, owner: i64, itemid: i64, buyer: i64) -> Result<(), TradeError> {
    let item = live_item(app, itemid).await?.ok_or(TradeError::NotForTrade)?;
    if item.uuid != owner {
        return Err(TradeError::NotPermitted);
    }
    if buyer == owner {
        return Err(TradeError::InvalidRequest);
    }
    let target = match item.sold {
        sold::ON_SALE => sold::RESERVED,
        sold::WANTED => sold::TRADING,
        _ => return Err(TradeError::NotForTrade),
    };
    match app.items.reserve(itemid, owner, item.sold, target, buyer).await? {
        Reservation::Done => Ok(()),
        Reservation::Stale => Err(TradeError::NotForTrade),
        Reservation::NoSuchBuyer => Err(TradeError::NoSuchUser),
    }
}

/// The buyer confirms receipt.
pub async fn trade(app: &Services, buyer: i64, itemid: i64) -> Result<(), TradeError> {
    let item = live_item(app, itemid).await?.ok_or(TradeError::NotAvailable)?;
    let target = match item.sold {
        sold::RESERVED => sold::SOLD,
        sold::TRADING => sold::GOT,
        _ => return Err(TradeError::NotAvailable),
    };
    if item.to != buyer {
        return Err(TradeError::NotPermitted);
    }
    match app.items.complete(itemid, buyer, item.sold, target).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(TradeError::NotAvailable),
    }
}

/// The owner aborts a reservation.
pub async fn reset(app: &Services, owner: i64, itemid: i64) -> Result<(), TradeError> {
    let item = live_item(app, itemid).await?.ok_or(TradeError::NoSuchItem)?;
    if item.uuid != owner {
        return Err(TradeError::NotPermitted);
    }
    let target = match item.sold {
        sold::RESERVED => sold::ON_SALE,
        sold::TRADING => sold::WANTED,
        _ => return Err(TradeError::InvalidRequest),
    };
    match app.items.release(itemid, owner, item.sold, target).await? {
        Written::Done => Ok(()),
        Written::Refused => Err(TradeError::InvalidRequest),
    }
}

/// Deletes one message addressed to me (any type).
pub async fn delete_message(app: &Services, me: i64, id: i64) -> Result<(), TradeError> {
    match app.messages.remove_received(me, id).await? {
        MessageRemoval::Removed => Ok(()),
        MessageRemoval::NotRecipient => Err(TradeError::NotPermitted),
        MessageRemoval::Missing => Err(TradeError::NoSuchMessage),
    }
}

/// Deletes the trade requests for my item addressed to me; returns how many.
pub async fn delete_requests(app: &Services, owner: i64, itemid: i64) -> Result<usize, TradeError> {
    let item = app.items.get(itemid).await?.ok_or(TradeError::NoSuchItem)?;
    if item.uuid != owner {
        return Err(TradeError::NotPermitted);
    }
    Ok(app.messages.remove_requests(owner, itemid).await?)
}
