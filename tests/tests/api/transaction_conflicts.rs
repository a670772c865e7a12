//! What DynamoDB Local does not produce (transaction conflicts, a request failing mid-way): a
//! stand-in endpoint answers a scripted sequence of replies in DynamoDB's JSON protocol, and the
//! real adapters talk to it with the real SDK client.

use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use foof_domain::clock::SystemClock;
use foof_domain::ids::{ItemId, UserId};
use foof_domain::item::{Item, ItemDetails};
use foof_domain::ports::{BackendError, Created};
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One scripted reply: the operation it expects, the HTTP status and the body.
type Step = (&'static str, u16, Value);

struct Script {
    replies: Mutex<VecDeque<Step>>,
    /// The operations received, in order (the `X-Amz-Target` after the dot).
    received: Mutex<Vec<String>>,
    /// Their request bodies, in the same order.
    bodies: Mutex<Vec<String>>,
}

fn conflict_exception() -> Value {
    json!({"__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException", "message": "Transaction is ongoing for the item"})
}

fn counter_value(value: i64) -> Value {
    json!({"Attributes": {"value": {"N": value.to_string()}}})
}

/// Serves `steps` in order; a request the script does not expect gets a 500 (so the test fails).
async fn scripted_dynamodb(steps: Vec<Step>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        replies: Mutex::new(steps.into()),
        received: Mutex::new(Vec::new()),
        bodies: Mutex::new(Vec::new()),
    });
    let state = script.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let script = state.clone();
            async move {
                script.bodies.lock().unwrap().push(body);
                let target = headers
                    .get("x-amz-target")
                    .and_then(|t| t.to_str().ok())
                    .unwrap_or_default();
                let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
                script.received.lock().unwrap().push(operation.clone());
                let (status, body) = match script.replies.lock().unwrap().pop_front() {
                    Some((expected, status, body)) if expected == operation => {
                        (StatusCode::from_u16(status).unwrap(), body)
                    }
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!({"__type": "UnexpectedRequest", "message": operation}),
                    ),
                };
                (status, [(CONTENT_TYPE, "application/x-amz-json-1.0")], body.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // The SDK calls made against the stand-in count in the process-wide AWS call counter: like a
    // TestApp's server, it holds a shared claim for as long as the test runs.
    let claim = foof_tests::Shared::take();
    tokio::spawn(async move {
        let _claim = claim;
        axum::serve(listener, app).await.unwrap()
    });
    (format!("http://{address}"), script)
}

async fn adapters_over(endpoint: String) -> Adapters {
    let mut config = Config::from_env().expect("configuration");
    config.endpoints.dynamodb = Some(endpoint);
    Adapters::from_config(config, Arc::new(SystemClock))
        .await
        .expect("adapters start")
}

fn draft() -> Item {
    let details = ItemDetails {
        title: Some("自行车".into()),
        category: Some(1),
        price: Some(50.0),
        condition: Some(80),
        note: Some("n".into()),
    };
    Item::new_post(ItemId::new(0), UserId::new(1), details, 1).unwrap()
}

#[tokio::test]
async fn an_id_reservation_waits_out_a_transaction_holding_the_counter() {
    let (endpoint, script) = scripted_dynamodb(vec![
        ("UpdateItem", 400, conflict_exception()),
        ("UpdateItem", 400, conflict_exception()),
        ("UpdateItem", 200, counter_value(42)),
    ])
    .await;
    let adapters = adapters_over(endpoint).await;
    assert_eq!(adapters.ids().next_id("chats").await.unwrap(), 42);
    assert_eq!(script.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_id_reservation_gives_up_when_the_counter_stays_held() {
    let (endpoint, script) = scripted_dynamodb(vec![("UpdateItem", 400, conflict_exception()); 5]).await;
    let adapters = adapters_over(endpoint).await;
    assert!(matches!(
        adapters.ids().next_id("chats").await,
        Err(BackendError::Unavailable(_))
    ));
    assert_eq!(
        script.received.lock().unwrap().len(),
        5,
        "the first try and 4 retries, then the caller answers 503"
    );
}

#[tokio::test]
async fn an_add_whose_claim_meets_another_transaction_reserves_its_id_instead() {
    let cancelled = json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None, None]",
        "CancellationReasons": [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}, {"Code": "None"}, {"Code": "None"}],
    });
    let (endpoint, script) = scripted_dynamodb(vec![
        // Cold: reserve 7, write.
        ("UpdateItem", 200, counter_value(7)),
        ("TransactWriteItems", 200, json!({})),
        // Warm: the claim of 8 meets another add's transaction on the counter; reserving waits
        // out one plain-write conflict and gets 9.
        ("TransactWriteItems", 400, cancelled),
        ("UpdateItem", 400, conflict_exception()),
        ("UpdateItem", 200, counter_value(9)),
        ("TransactWriteItems", 200, json!({})),
    ])
    .await;
    let adapters = adapters_over(endpoint).await;
    let items = adapters.items();
    assert_eq!(items.create(&draft()).await.unwrap(), Created::Done(ItemId::new(7)));
    assert_eq!(items.create(&draft()).await.unwrap(), Created::Done(ItemId::new(9)));
    let received = script.received.lock().unwrap().clone();
    assert_eq!(
        received,
        [
            "UpdateItem",
            "TransactWriteItems",
            "TransactWriteItems",
            "UpdateItem",
            "UpdateItem",
            "TransactWriteItems"
        ]
    );
}

/// A pending message as DynamoDB's Query returns it.
fn pending_message(id: i64) -> Value {
    json!({"to": {"N": "5"}, "id": {"N": id.to_string()}, "from": {"N": "6"}, "type": {"N": "1"},
           "data": {"S": format!("m{id}")}, "fetched": {"BOOL": false}, "pending": {"N": "5"},
           "createdAt": {"N": "1000"}, "updatedAt": {"N": "1000"}})
}

/// A fetchnew whose claims partly fail answers 503 and puts back what it claimed, so that the
/// next fetchnew hands it out (nothing is lost between the two).
#[tokio::test]
async fn a_fetchnew_that_fails_after_claiming_puts_the_claimed_messages_back() {
    let refused =
        json!({"__type": "com.amazonaws.dynamodb.v20120810#ValidationException", "message": "scripted failure"});
    let (endpoint, script) = scripted_dynamodb(vec![
        (
            "Query",
            200,
            json!({"Items": [pending_message(1), pending_message(2)], "Count": 2}),
        ),
        ("UpdateItem", 200, json!({})),
        ("UpdateItem", 400, refused),
        ("UpdateItem", 200, json!({})),
    ])
    .await;
    let adapters = adapters_over(endpoint).await;
    let page = foof_domain::message::Page {
        limit: Some(100),
        ..Default::default()
    };
    let outcome = adapters.messages().claim_new(UserId::new(5), page, 2000).await;
    assert!(
        matches!(outcome, Err(BackendError::Corrupt(_) | BackendError::Unavailable(_))),
        "{outcome:?}"
    );
    let received = script.received.lock().unwrap().clone();
    assert_eq!(received, ["Query", "UpdateItem", "UpdateItem", "UpdateItem"]);
    let release = script.bodies.lock().unwrap()[3].clone();
    assert!(
        release.contains("pending = :to") && release.contains("attribute_not_exists(pending)"),
        "the claimed message is made pending again: {release}"
    );
}

/// Item 7 of user 1, as DynamoDB's GetItem returns it.
fn stored_item() -> Value {
    json!({"Item": {"itemid": {"N": "7"}, "uuid": {"N": "1"}, "title": {"S": "自行车"}, "type": {"N": "1"},
                    "price": {"N": "50"}, "imgurl": {"S": "image/itemdefault.jpg"}, "depreciatione": {"N": "80"},
                    "note": {"S": "n"}, "sold": {"N": "1"}, "deleted": {"BOOL": false}}})
}

fn cancelled_by_conflict() -> Value {
    json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]",
        "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}],
    })
}

/// Unrelated items share a search-statistics shard, so their edits can meet on it: nothing of
/// the cancelled transaction was applied, and it is sent again.
#[tokio::test]
async fn a_delete_that_meets_another_transaction_is_sent_again() {
    let (endpoint, script) = scripted_dynamodb(vec![
        ("GetItem", 200, stored_item()),
        ("TransactWriteItems", 400, cancelled_by_conflict()),
        ("TransactWriteItems", 400, cancelled_by_conflict()),
        ("TransactWriteItems", 200, json!({})),
    ])
    .await;
    let adapters = adapters_over(endpoint).await;
    let outcome = adapters.items().mark_deleted(ItemId::new(7), UserId::new(1)).await;
    assert!(
        matches!(outcome, Ok(foof_domain::ports::OwnerWrite::Done)),
        "{outcome:?}"
    );
    let writes = |body: &str| serde_json::from_str::<Value>(body).unwrap()["TransactItems"].clone();
    let bodies = script.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 4);
    assert_eq!(
        writes(&bodies[1]),
        writes(&bodies[3]),
        "the same transaction, conditions and all"
    );
}

#[tokio::test]
async fn a_delete_that_keeps_meeting_other_transactions_gives_up() {
    let mut steps = vec![("GetItem", 200, stored_item())];
    steps.extend(std::iter::repeat_n(
        ("TransactWriteItems", 400, cancelled_by_conflict()),
        4,
    ));
    let (endpoint, script) = scripted_dynamodb(steps).await;
    let adapters = adapters_over(endpoint).await;
    let outcome = adapters.items().mark_deleted(ItemId::new(7), UserId::new(1)).await;
    assert!(matches!(outcome, Err(BackendError::Unavailable(_))), "{outcome:?}");
    assert_eq!(script.received.lock().unwrap().len(), 5, "the first try and 3 more");
}
