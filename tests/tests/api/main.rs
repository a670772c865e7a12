//! The integration tests, one binary: every endpoint over real HTTP against the local emulators
//! (`make test` starts them; `tests/src` serves the routers and reads the emulators' outbox).
//! One binary links the AWS SDK once instead of once per file; its tests share one process,
//! so a test needing the process to itself takes `foof_tests::Exclusive` (see tests/src/exclusive.rs).

mod abuse;
mod blocked_listings;
mod chats;
mod compaction;
mod contract;
mod expiry;
mod faults;
mod favorites;
mod hardening;
mod helpers;
mod item_ids;
mod items;
mod logs;
mod ratings;
mod safety_blocks;
mod safety_moderation;
mod safety_reports;
mod search;
mod search_reference;
mod sessions;
mod trades;
mod transaction_conflicts;
mod users_accounts;
mod users_profile;
