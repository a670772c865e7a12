//! Success replies in the original's shapes.

use axum::Json;
use serde::Serialize;
use serde_json::{Value, json};

/// `{"status":"success"}`
pub fn success() -> Json<Value> {
    Json(json!({"status": "success"}))
}

/// The object with `"status":"success"` added (as `GET /user/{uuid}` and `/user/me` answer).
pub fn success_with(reply: impl Serialize) -> Json<Value> {
    let mut object = serde_json::to_value(reply).expect("reply types have string keys and finite numbers");
    if let Value::Object(map) = &mut object {
        map.insert("status".to_owned(), Value::from("success"));
    }
    Json(object)
}
