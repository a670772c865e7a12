//! Connections a function opens during init. Lambda runs init with the full CPU burst and bills
//! a request by its duration on the memory size's share of a CPU (1/14 of one at 128 MB), so a
//! TLS handshake made by the first request costs many times what it costs here. One harmless
//! call per connection leaves it open in the shared HTTP client's pool for that request.

use crate::app::Adapters;
use foof_aws::OpeningRead;
use foof_domain::item::DEFAULT_IMAGE;

/// Which service a function's requests go to first, and the read (one its role allows, that
/// finds nothing) that opens the connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connections {
    /// DynamoDB, for a function that checks tokens: it reads user 0, as a token check reads a
    /// user. Two connections, since most requests make two calls at once (a read and the
    /// session check).
    DynamoDbWithUsers,
    /// DynamoDB, for search and the compactor: they read the search statistics. Two
    /// connections (a search reads its terms in parallel).
    DynamoDbWithPostings,
    /// The images bucket, by a `HeadObject` of the default item picture.
    ImagesBucket,
}

/// How many connections the DynamoDB kinds open.
const DYNAMODB_CONNECTIONS: usize = 2;

impl Adapters {
    /// Opens `connections`. A failure is logged and otherwise ignored: the first request then
    /// connects as it would have anyway.
    pub async fn open(&self, connections: Connections) {
        let (clients, tables) = (self.clients(), &self.config().tables);
        let opened = match connections {
            Connections::DynamoDbWithUsers => {
                clients
                    .open_dynamodb(tables, OpeningRead::NoUser, DYNAMODB_CONNECTIONS)
                    .await
            }
            Connections::DynamoDbWithPostings => {
                clients
                    .open_dynamodb(tables, OpeningRead::SearchStatistics, DYNAMODB_CONNECTIONS)
                    .await
            }
            Connections::ImagesBucket => clients.open_bucket(&self.config().images_bucket, DEFAULT_IMAGE).await,
        };
        if let Err(error) = opened {
            tracing::warn!(?connections, %error, "a connection opened at init answered with an error");
        }
    }
}
