//! Typed ids: a user id cannot be passed where an item id is meant. On the wire and in the
//! tables each is the plain positive integer the original used.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(value: i64) -> Self {
                Self(value)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user's `uuid`.
    UserId
);
id_type!(
    /// An item's `itemid`.
    ItemId
);
id_type!(
    /// A chat or trade message's `id`.
    MessageId
);
id_type!(
    /// A favourite row's `id`.
    FavoriteId
);
id_type!(
    /// A report's `id` (trust and safety).
    ReportId
);
