//! The trade state machine (`Sold::reserve`, `complete`, `release`) against the stores. The read
//! only picks the move and the reply; the conditional write decides races.

use crate::error::TradeError;
use foof_domain::clock::Clock;
use foof_domain::ids::{ItemId, MessageId, UserId};
use foof_domain::item::{Item, Sold};
use foof_domain::ports::{BlockList, ItemStore, MessageRemoval, MessageStore, RatingStore, Reservation, Written};
use foof_domain::rating::{Rating, Stars};
use foof_domain::safety::Note;
use std::sync::Arc;

/// The trades group's use cases, over the stores they touch.
pub struct Trades {
    ports: TradePorts,
}

/// The stores [`Trades`] works over.
pub struct TradePorts {
    pub items: Arc<dyn ItemStore>,
    pub messages: Arc<dyn MessageStore>,
    pub blocks: Arc<dyn BlockList>,
    pub ratings: Arc<dyn RatingStore>,
    pub clock: Arc<dyn Clock>,
}

impl Trades {
    pub fn new(ports: TradePorts) -> Self {
        Self { ports }
    }

    /// Whether either of the two blocks the other: then they do not trade.
    async fn blocked_between(&self, one: UserId, other: UserId) -> Result<bool, TradeError> {
        let (one_blocks, other_blocks) = tokio::try_join!(
            self.ports.blocks.blocks(one, other),
            self.ports.blocks.blocks(other, one)
        )?;
        Ok(one_blocks || other_blocks)
    }

    async fn live_item(&self, item: ItemId) -> Result<Option<Item>, TradeError> {
        Ok(self.ports.items.get(item).await?.filter(|item| !item.deleted))
    }

    /// The owner accepts `buyer`'s request.
    pub async fn order(&self, owner: UserId, item: ItemId, buyer: UserId) -> Result<(), TradeError> {
        let current = self.live_item(item).await?.ok_or(TradeError::NotForTrade)?;
        if current.owner != owner {
            return Err(TradeError::NotPermitted);
        }
        if buyer == owner {
            return Err(TradeError::InvalidRequest);
        }
        let moving = current.sold.reserve().ok_or(TradeError::NotForTrade)?;
        if self.blocked_between(owner, buyer).await? {
            return Err(TradeError::NotForTrade);
        }
        match self.ports.items.reserve(item, owner, buyer, moving).await? {
            Reservation::Done => Ok(()),
            Reservation::Stale => Err(TradeError::NotForTrade),
            Reservation::NoSuchBuyer => Err(TradeError::NoSuchUser),
        }
    }

    /// The buyer confirms receipt.
    pub async fn trade(&self, buyer: UserId, item: ItemId) -> Result<(), TradeError> {
        let current = self.live_item(item).await?.ok_or(TradeError::NotAvailable)?;
        let moving = current.sold.complete().ok_or(TradeError::NotAvailable)?;
        if current.buyer != Some(buyer) {
            return Err(TradeError::NotPermitted);
        }
        match self.ports.items.complete(item, buyer, moving).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(TradeError::NotAvailable),
        }
    }

    /// The owner aborts a reservation.
    pub async fn reset(&self, owner: UserId, item: ItemId) -> Result<(), TradeError> {
        let current = self.live_item(item).await?.ok_or(TradeError::NoSuchItem)?;
        if current.owner != owner {
            return Err(TradeError::NotPermitted);
        }
        let moving = current.sold.release().ok_or(TradeError::InvalidRequest)?;
        match self.ports.items.release(item, owner, moving).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(TradeError::InvalidRequest),
        }
    }

    /// One side of a finished trade rates the other, once per item.
    /// A finished trade stays rateable after its owner deletes the listing, so that a seller
    /// cannot dodge a rating by deleting it.
    pub async fn rate(&self, rater: UserId, item: ItemId, stars: Stars, comment: Note) -> Result<(), TradeError> {
        let current = self.ports.items.get(item).await?.ok_or(TradeError::NoSuchItem)?;
        if !matches!(current.sold, Sold::Sold | Sold::Got) {
            return Err(TradeError::NotFinished);
        }
        let ratee = match current.buyer {
            Some(buyer) if rater == current.owner => buyer,
            Some(buyer) if rater == buyer => current.owner,
            _ => return Err(TradeError::NotPermitted),
        };
        let rating = Rating {
            item,
            rater,
            ratee,
            stars,
            comment,
            created_at_ms: self.ports.clock.now_ms(),
        };
        match self.ports.ratings.rate(&rating).await? {
            Written::Done => Ok(()),
            Written::Refused => Err(TradeError::AlreadyRated),
        }
    }

    /// Deletes one message addressed to me (any type).
    pub async fn delete_message(&self, me: UserId, message: MessageId) -> Result<(), TradeError> {
        match self.ports.messages.remove_received(me, message).await? {
            MessageRemoval::Removed => Ok(()),
            MessageRemoval::NotRecipient => Err(TradeError::NotPermitted),
            MessageRemoval::Missing => Err(TradeError::NoSuchMessage),
        }
    }

    /// Deletes the trade requests for my item addressed to me; returns how many.
    pub async fn delete_requests(&self, owner: UserId, item: ItemId) -> Result<usize, TradeError> {
        let current = self.ports.items.get(item).await?.ok_or(TradeError::NoSuchItem)?;
        if current.owner != owner {
            return Err(TradeError::NotPermitted);
        }
        Ok(self.ports.messages.remove_requests(owner, item).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foof_domain::item::{DEFAULT_IMAGE, ItemDetails, Listing, Sold, Transition};
    use foof_domain::memory::InMemory;
    use foof_domain::message::{Message, MessageKind};
    use foof_domain::ports::{BackendResult, Created, OwnerWrite};
    use foof_domain::user::User;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SELLER: UserId = UserId::new(1);
    const BUYER: UserId = UserId::new(2);
    const OTHER: UserId = UserId::new(3);
    const NOBODY: UserId = UserId::new(99);
    const ITEM: ItemId = ItemId::new(10);
    const MISSING: ItemId = ItemId::new(404);

    fn post(id: ItemId, sold: Sold) -> Item {
        Item {
            id,
            owner: SELLER,
            title: "高数课本".into(),
            category: 6,
            price: 10.0,
            images: DEFAULT_IMAGE.into(),
            condition: 90,
            note: "九龙湖".into(),
            sold,
            buyer: None,
            deleted: false,
            hidden: None,
        }
    }

    fn ports(world: &InMemory, items: Arc<dyn ItemStore>) -> TradePorts {
        TradePorts {
            items,
            messages: world.messages(),
            blocks: world.blocks(),
            ratings: world.ratings(),
            clock: Arc::new(foof_domain::clock::ManualClock::starting_now()),
        }
    }

    /// Users 1 to 3, and the seller's item 10 as given.
    fn world_with(item: Item) -> (InMemory, Trades) {
        let world = InMemory::new();
        for id in [SELLER, BUYER, OTHER] {
            let user = User::registered(id, &format!("1380013800{id}"), String::new());
            world.add_user(user, &format!("+861380013800{id}"));
        }
        world.add_item(item);
        let trades = Trades::new(ports(&world, world.items()));
        (world, trades)
    }

    fn world(sold: Sold) -> (InMemory, Trades) {
        world_with(post(ITEM, sold))
    }

    /// Item 10 reserved for the buyer, in state `sold` (3 or -3).
    fn reserved(sold: Sold) -> (InMemory, Trades) {
        world_with(Item {
            buyer: Some(BUYER),
            ..post(ITEM, sold)
        })
    }

    fn state(world: &InMemory) -> (Sold, Option<UserId>) {
        let item = world.item(ITEM).expect("item 10 exists");
        (item.sold, item.buyer)
    }

    fn message(id: i64, from: UserId, to: UserId, kind: MessageKind, data: &str) -> Message {
        Message::new(MessageId::new(id), from, to, kind.into(), data.into(), 0).expect("a valid message")
    }

    #[tokio::test]
    async fn a_sell_post_is_reserved_for_the_buyer_then_sold_to_them() {
        let (world, trades) = world(Sold::OnSale);
        trades.order(SELLER, ITEM, BUYER).await.unwrap();
        assert_eq!(state(&world), (Sold::Reserved, Some(BUYER)));
        trades.trade(BUYER, ITEM).await.unwrap();
        assert_eq!(state(&world), (Sold::Sold, Some(BUYER)));
    }

    #[tokio::test]
    async fn a_want_post_goes_to_trading_then_got() {
        let (world, trades) = world(Sold::Wanted);
        trades.order(SELLER, ITEM, BUYER).await.unwrap();
        assert_eq!(state(&world), (Sold::Trading, Some(BUYER)));
        trades.trade(BUYER, ITEM).await.unwrap();
        assert_eq!(state(&world), (Sold::Got, Some(BUYER)));
    }

    #[tokio::test]
    async fn reset_reopens_a_reservation_and_clears_the_buyer() {
        for (sold, open) in [(Sold::Reserved, Sold::OnSale), (Sold::Trading, Sold::Wanted)] {
            let (world, trades) = reserved(sold);
            trades.reset(SELLER, ITEM).await.unwrap();
            assert_eq!(state(&world), (open, None));
            trades.order(SELLER, ITEM, OTHER).await.unwrap();
            assert_eq!(state(&world), (sold, Some(OTHER)), "it can be ordered again");
        }
    }

    fn stars(n: i64) -> Stars {
        Stars::new(n).expect("1 to 5 stars")
    }

    #[tokio::test]
    async fn each_side_of_a_finished_trade_rates_the_other_once() {
        for finished in [Sold::Sold, Sold::Got] {
            let (world, trades) = reserved(finished);
            trades.rate(BUYER, ITEM, stars(5), Note::default()).await.unwrap();
            trades.rate(SELLER, ITEM, stars(1), Note::default()).await.unwrap();
            assert!(matches!(
                trades.rate(BUYER, ITEM, stars(1), Note::default()).await,
                Err(TradeError::AlreadyRated)
            ));
            let (seller, buyer) = (world.user(SELLER).unwrap(), world.user(BUYER).unwrap());
            assert_eq!((seller.ratings, seller.score), (1, 11), "the buyer's five stars");
            assert_eq!((buyer.ratings, buyer.score), (1, 9), "the seller's one star");
        }
    }

    #[tokio::test]
    async fn only_the_two_sides_of_a_finished_trade_may_rate() {
        for unfinished in [Sold::Reserved, Sold::Trading] {
            let (_, trades) = reserved(unfinished);
            assert!(matches!(
                trades.rate(BUYER, ITEM, stars(4), Note::default()).await,
                Err(TradeError::NotFinished)
            ));
        }
        let (world, trades) = reserved(Sold::Sold);
        assert!(matches!(
            trades.rate(OTHER, ITEM, stars(4), Note::default()).await,
            Err(TradeError::NotPermitted)
        ));
        assert!(matches!(
            trades.rate(BUYER, MISSING, stars(4), Note::default()).await,
            Err(TradeError::NoSuchItem)
        ));
        assert_eq!(world.user(SELLER).unwrap().ratings, 0);
    }

    #[tokio::test]
    async fn only_the_owner_may_order() {
        let (world, trades) = world(Sold::OnSale);
        assert!(matches!(
            trades.order(OTHER, ITEM, BUYER).await,
            Err(TradeError::NotPermitted)
        ));
        assert!(matches!(
            trades.order(BUYER, ITEM, BUYER).await,
            Err(TradeError::NotPermitted)
        ));
        assert_eq!(state(&world), (Sold::OnSale, None));
    }

    #[tokio::test]
    async fn an_owner_cannot_order_to_themselves() {
        let (world, trades) = world(Sold::OnSale);
        assert!(matches!(
            trades.order(SELLER, ITEM, SELLER).await,
            Err(TradeError::InvalidRequest)
        ));
        assert_eq!(state(&world), (Sold::OnSale, None));
    }

    #[tokio::test]
    async fn a_reserved_item_cannot_be_ordered_again() {
        let (world, trades) = world(Sold::OnSale);
        trades.order(SELLER, ITEM, BUYER).await.unwrap();
        assert!(matches!(
            trades.order(SELLER, ITEM, OTHER).await,
            Err(TradeError::NotForTrade)
        ));
        assert_eq!(state(&world), (Sold::Reserved, Some(BUYER)), "the first buyer keeps it");
    }

    #[tokio::test]
    async fn only_open_items_can_be_ordered() {
        for sold in [Sold::Reserved, Sold::Sold, Sold::Trading, Sold::Got] {
            let (world, trades) = reserved(sold);
            assert!(
                matches!(trades.order(SELLER, ITEM, OTHER).await, Err(TradeError::NotForTrade)),
                "{sold:?}"
            );
            assert_eq!(state(&world), (sold, Some(BUYER)));
        }
    }

    #[tokio::test]
    async fn a_deleted_or_missing_item_cannot_be_ordered() {
        let (world, trades) = world_with(Item {
            deleted: true,
            ..post(ITEM, Sold::OnSale)
        });
        assert!(matches!(
            trades.order(SELLER, ITEM, BUYER).await,
            Err(TradeError::NotForTrade)
        ));
        assert_eq!(state(&world), (Sold::OnSale, None));
        assert!(matches!(
            trades.order(SELLER, MISSING, BUYER).await,
            Err(TradeError::NotForTrade)
        ));
    }

    #[tokio::test]
    async fn an_item_cannot_be_ordered_for_a_user_that_does_not_exist() {
        let (world, trades) = world(Sold::OnSale);
        assert!(matches!(
            trades.order(SELLER, ITEM, NOBODY).await,
            Err(TradeError::NoSuchUser)
        ));
        assert_eq!(state(&world), (Sold::OnSale, None));
    }

    #[tokio::test]
    async fn only_the_buyer_may_confirm_a_trade() {
        let (world, trades) = reserved(Sold::Reserved);
        for someone_else in [SELLER, OTHER] {
            assert!(matches!(
                trades.trade(someone_else, ITEM).await,
                Err(TradeError::NotPermitted)
            ));
        }
        assert_eq!(state(&world), (Sold::Reserved, Some(BUYER)));
    }

    #[tokio::test]
    async fn only_a_reserved_item_can_be_traded() {
        for sold in [Sold::OnSale, Sold::Wanted, Sold::Sold, Sold::Got] {
            let (world, trades) = reserved(sold);
            assert!(
                matches!(trades.trade(BUYER, ITEM).await, Err(TradeError::NotAvailable)),
                "{sold:?}"
            );
            assert_eq!(state(&world).0, sold);
        }
        let (_, trades) = world_with(Item {
            deleted: true,
            buyer: Some(BUYER),
            ..post(ITEM, Sold::Reserved)
        });
        assert!(matches!(trades.trade(BUYER, ITEM).await, Err(TradeError::NotAvailable)));
        assert!(matches!(
            trades.trade(BUYER, MISSING).await,
            Err(TradeError::NotAvailable)
        ));
    }

    #[tokio::test]
    async fn only_the_owner_may_reset() {
        let (world, trades) = reserved(Sold::Reserved);
        for someone_else in [BUYER, OTHER] {
            assert!(matches!(
                trades.reset(someone_else, ITEM).await,
                Err(TradeError::NotPermitted)
            ));
        }
        assert_eq!(state(&world), (Sold::Reserved, Some(BUYER)));
    }

    #[tokio::test]
    async fn only_a_reservation_can_be_reset() {
        for sold in [Sold::OnSale, Sold::Wanted, Sold::Sold, Sold::Got] {
            let (world, trades) = reserved(sold);
            assert!(
                matches!(trades.reset(SELLER, ITEM).await, Err(TradeError::InvalidRequest)),
                "{sold:?}"
            );
            assert_eq!(state(&world), (sold, Some(BUYER)));
        }
        let (_, trades) = world(Sold::OnSale);
        assert!(matches!(
            trades.reset(SELLER, MISSING).await,
            Err(TradeError::NoSuchItem)
        ));
    }

    #[tokio::test]
    async fn i_may_delete_only_messages_addressed_to_me() {
        let (world, trades) = world(Sold::OnSale);
        let messages = world.messages();
        messages
            .push(&message(1, BUYER, SELLER, MessageKind::Text, "hi"))
            .await
            .unwrap();
        messages
            .push(&message(2, SELLER, BUYER, MessageKind::Text, "hello"))
            .await
            .unwrap();
        assert!(matches!(
            trades.delete_message(SELLER, MessageId::new(2)).await,
            Err(TradeError::NotPermitted)
        ));
        assert!(matches!(
            trades.delete_message(SELLER, MessageId::new(7)).await,
            Err(TradeError::NoSuchMessage)
        ));
        trades.delete_message(SELLER, MessageId::new(1)).await.unwrap();
        assert!(world.messages_to(SELLER).is_empty());
        assert_eq!(world.messages_to(BUYER).len(), 1, "the other message stays");
        assert!(matches!(
            trades.delete_message(SELLER, MessageId::new(1)).await,
            Err(TradeError::NoSuchMessage)
        ));
    }

    #[tokio::test]
    async fn delete_requests_removes_only_the_requests_for_that_item() {
        let (world, trades) = world(Sold::OnSale);
        let item = ITEM.to_string();
        let messages = [
            message(1, BUYER, SELLER, MessageKind::Request, &item),
            message(2, OTHER, SELLER, MessageKind::Request, &item),
            message(3, BUYER, SELLER, MessageKind::Text, &item),
            message(4, BUYER, SELLER, MessageKind::Request, "11"),
            message(5, SELLER, BUYER, MessageKind::Agreed, &item),
            message(6, OTHER, BUYER, MessageKind::Request, &item),
        ];
        for message in &messages {
            world.messages().push(message).await.unwrap();
        }
        assert_eq!(trades.delete_requests(SELLER, ITEM).await.unwrap(), 2);
        let ids = |to| world.messages_to(to).iter().map(|m| m.id.get()).collect::<Vec<_>>();
        assert_eq!(ids(SELLER), [3, 4]);
        assert_eq!(ids(BUYER), [5, 6]);
        assert_eq!(trades.delete_requests(SELLER, ITEM).await.unwrap(), 0, "none left");
    }

    #[tokio::test]
    async fn only_the_owner_may_delete_the_requests_for_an_item() {
        let (world, trades) = world(Sold::OnSale);
        world
            .messages()
            .push(&message(1, OTHER, BUYER, MessageKind::Request, &ITEM.to_string()))
            .await
            .unwrap();
        assert!(matches!(
            trades.delete_requests(BUYER, ITEM).await,
            Err(TradeError::NotPermitted)
        ));
        assert_eq!(world.messages_to(BUYER).len(), 1);
        assert!(matches!(
            trades.delete_requests(SELLER, MISSING).await,
            Err(TradeError::NoSuchItem)
        ));
    }

    /// Yields after every read, so that use cases run together all read before any of them
    /// writes; counts the reservations tried.
    struct SlowReads(Arc<dyn ItemStore>, AtomicUsize);

    #[async_trait::async_trait]
    impl ItemStore for SlowReads {
        async fn get(&self, item: ItemId) -> BackendResult<Option<Item>> {
            let read = self.0.get(item).await;
            tokio::task::yield_now().await;
            read
        }
        async fn get_many(&self, items: &[ItemId]) -> BackendResult<Vec<Item>> {
            self.0.get_many(items).await
        }
        async fn listings(&self, items: &[ItemId]) -> BackendResult<Vec<Listing>> {
            self.0.listings(items).await
        }
        async fn create(&self, draft: &Item) -> BackendResult<Created> {
            self.0.create(draft).await
        }
        async fn update_details(
            &self,
            item: ItemId,
            owner: UserId,
            details: &ItemDetails,
        ) -> BackendResult<OwnerWrite> {
            self.0.update_details(item, owner, details).await
        }
        async fn mark_deleted(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
            self.0.mark_deleted(item, owner).await
        }
        async fn claim_picture_numbers(
            &self,
            item: ItemId,
            owner: UserId,
            start: u64,
            count: u64,
        ) -> BackendResult<Result<u64, OwnerWrite>> {
            self.0.claim_picture_numbers(item, owner, start, count).await
        }
        async fn replace_images(&self, item: ItemId, owner: UserId, old: &str, new: &str) -> BackendResult<OwnerWrite> {
            self.0.replace_images(item, owner, old, new).await
        }
        async fn published_by(&self, owner: UserId) -> BackendResult<Vec<Item>> {
            self.0.published_by(owner).await
        }
        async fn bought_by(&self, buyer: UserId) -> BackendResult<Vec<Item>> {
            self.0.bought_by(buyer).await
        }
        async fn reserve(
            &self,
            item: ItemId,
            owner: UserId,
            buyer: UserId,
            moving: Transition,
        ) -> BackendResult<Reservation> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.reserve(item, owner, buyer, moving).await
        }
        async fn complete(&self, item: ItemId, buyer: UserId, moving: Transition) -> BackendResult<Written> {
            self.0.complete(item, buyer, moving).await
        }
        async fn release(&self, item: ItemId, owner: UserId, moving: Transition) -> BackendResult<Written> {
            self.0.release(item, owner, moving).await
        }
        async fn hide(&self, item: ItemId, why: &str) -> BackendResult<Written> {
            self.0.hide(item, why).await
        }
        async fn reveal(&self, item: ItemId, why: &str) -> BackendResult<Written> {
            self.0.reveal(item, why).await
        }
        async fn hidden_of(&self, owner: UserId) -> BackendResult<Vec<Item>> {
            self.0.hidden_of(owner).await
        }
        async fn stale_listings(&self, cutoff_ms: i64) -> BackendResult<Vec<Item>> {
            self.0.stale_listings(cutoff_ms).await
        }
        async fn expire(&self, item: ItemId, cutoff_ms: i64) -> BackendResult<Written> {
            self.0.expire(item, cutoff_ms).await
        }
        async fn renew(&self, item: ItemId, owner: UserId) -> BackendResult<OwnerWrite> {
            self.0.renew(item, owner).await
        }
    }

    #[tokio::test]
    async fn of_two_concurrent_orders_exactly_one_wins() {
        let (world, _) = world(Sold::OnSale);
        let items = Arc::new(SlowReads(world.items(), AtomicUsize::new(0)));
        let trades = Trades::new(ports(&world, items.clone()));
        let (to_buyer, to_other) = tokio::join!(trades.order(SELLER, ITEM, BUYER), trades.order(SELLER, ITEM, OTHER));
        let winner = match (to_buyer, to_other) {
            (Ok(()), Err(TradeError::NotForTrade)) => BUYER,
            (Err(TradeError::NotForTrade), Ok(())) => OTHER,
            outcomes => panic!("expected one winner, got {outcomes:?}"),
        };
        assert_eq!(state(&world), (Sold::Reserved, Some(winner)));
        assert_eq!(
            items.1.load(Ordering::SeqCst),
            2,
            "both saw the open item: the conditional write decided"
        );
    }
}
