//! Success replies in the original's shapes.

use axum::Json;
use serde_json::{Value, json};

/// `{"status":"success"}`
pub fn success() -> Json<Value> {
    Json(json!({"status": "success"}))
}

/// The object with `"status":"success"` added (as `GET /user/{uuid}` and `/user/me` answer).
pub fn success_with(mut object: Value) -> Json<Value> {
    if let Value::Object(map) = &mut object {
        map.insert("status".to_owned(), Value::from("success"));
    }
    Json(object)
}
