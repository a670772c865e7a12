//! Request fields from any of the three body formats the original accepted: JSON,
//! `application/x-www-form-urlencoded` and `multipart/form-data`. Every scalar may arrive as a
//! JSON number or a numeric string.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// Largest accepted request body; more is answered with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Bodies larger than the limit are still read (and dropped) up to here, so that the client
/// sees the 413 instead of a connection reset.
const DRAIN_LIMIT: usize = 16 * MAX_BODY_BYTES;
const MAX_MULTIPART_PARTS: usize = 64;

/// An uploaded file part (any field name; the client repeats `file`).
#[derive(Debug, Clone)]
pub struct FileField {
    pub name: String,
    pub bytes: Bytes,
}

#[derive(Debug, Default)]
pub struct Fields {
    values: Map<String, Value>,
    files: Vec<FileField>,
}

impl Fields {
    pub fn from_json(values: Map<String, Value>) -> Self {
        Self {
            values,
            files: Vec::new(),
        }
    }

    /// The field as it arrived (a JSON value, or a string from a form).
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    /// A finite number, from a JSON number or a numeric string.
    pub fn decimal(&self, name: &str) -> Result<Option<f64>, ApiError> {
        let number = match self.raw(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        number
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or(ApiError::InvalidRequest)
    }

    /// A text field; numbers are given as their decimal text.
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::InvalidRequest),
        }
    }

    pub fn require_text(&self, name: &str) -> Result<String, ApiError> {
        self.text(name)?.ok_or(ApiError::InvalidRequest)
    }

    /// A whole number, from a JSON number or a numeric string (`5`, `"5"`, `5.0`).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or(ApiError::InvalidRequest),
            Some(Value::String(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| ApiError::InvalidRequest),
            Some(_) => Err(ApiError::InvalidRequest),
        }
    }

    pub fn require_integer(&self, name: &str) -> Result<i64, ApiError> {
        self.integer(name)?.ok_or(ApiError::InvalidRequest)
    }

    /// A positive id (`uuid`, `itemid`, …), as the id type the caller names.
    pub fn require_id<Id: From<i64>>(&self, name: &str) -> Result<Id, ApiError> {
        Some(self.require_integer(name)?)
            .filter(|id| *id > 0)
            .map(Id::from)
            .ok_or(ApiError::InvalidRequest)
    }

    pub fn files(&self) -> &[FileField] {
        &self.files
    }

    /// A JSON or form body (multipart bodies go through `parse_multipart`).
    fn parse(content_type: &str, body: Bytes) -> Result<Self, ApiError> {
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media_type.as_str() {
            "application/x-www-form-urlencoded" => Self::parse_form(&body),
            _ if body.iter().all(u8::is_ascii_whitespace) => Ok(Self::default()),
            _ => Self::parse_json(&body),
        }
    }

    fn parse_json(body: &[u8]) -> Result<Self, ApiError> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(values)) => Ok(Self::from_json(values)),
            _ => Err(ApiError::InvalidRequest),
        }
    }

    fn parse_form(body: &[u8]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| ApiError::InvalidRequest)?;
        let values = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        Ok(Self::from_json(values))
    }

    async fn parse_multipart(content_type: &str, body: Bytes) -> Result<Self, ApiError> {
        let boundary = multer::parse_boundary(content_type).map_err(|_| ApiError::InvalidRequest)?;
        let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut fields = Self::default();
        while let Some(part) = multipart.next_field().await.map_err(|_| ApiError::InvalidRequest)? {
            if fields.values.len() + fields.files.len() >= MAX_MULTIPART_PARTS {
                return Err(ApiError::InvalidRequest);
            }
            let name = part.name().unwrap_or_default().to_owned();
            let is_file = part.file_name().is_some();
            let bytes = part.bytes().await.map_err(|_| ApiError::InvalidRequest)?;
            if is_file {
                fields.files.push(FileField { name, bytes });
            } else {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::InvalidRequest)?;
                fields.values.insert(name, Value::String(text));
            }
        }
        Ok(fields)
    }
}

/// Reads the body, answering 413 past [`MAX_BODY_BYTES`].
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buffer = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::InvalidRequest)?;
        total += chunk.len();
        if total > DRAIN_LIMIT {
            break;
        }
        if total <= MAX_BODY_BYTES {
            buffer.extend_from_slice(&chunk);
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(buffer.freeze())
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = read_body(request.into_body()).await?;
        if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
            Self::parse_multipart(&content_type, body).await
        } else {
            Self::parse(&content_type, body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_fields(value: Value) -> Fields {
        Fields::parse_json(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn numbers_and_numeric_strings_are_the_same() {
        let fields = json_fields(json!({"a": 5, "b": "5", "c": " 5 ", "d": 5.0, "e": "x", "f": 5.5, "g": true}));
        for name in ["a", "b", "c", "d"] {
            assert_eq!(fields.integer(name).unwrap(), Some(5), "{name}");
        }
        for name in ["e", "f", "g"] {
            assert!(fields.integer(name).is_err(), "{name}");
        }
        assert_eq!(fields.integer("missing").unwrap(), None);
        assert_eq!(fields.text("a").unwrap().as_deref(), Some("5"));
    }

    #[test]
    fn ids_are_positive() {
        let fields = json_fields(json!({"zero": 0, "minus": "-3", "ok": "12"}));
        assert!(fields.require_id::<i64>("zero").is_err());
        assert!(fields.require_id::<i64>("minus").is_err());
        assert_eq!(fields.require_id::<i64>("ok").unwrap(), 12);
    }

    #[test]
    fn parses_forms_and_refuses_non_object_json() {
        let form = Fields::parse(
            "application/x-www-form-urlencoded",
            Bytes::from_static(b"phonenumber=138&x=%E4%BD%A0"),
        )
        .unwrap();
        assert_eq!(form.text("phonenumber").unwrap().as_deref(), Some("138"));
        assert_eq!(form.text("x").unwrap().as_deref(), Some("你"));
        assert!(Fields::parse("application/json", Bytes::from_static(b"[1,2]")).is_err());
        assert!(Fields::parse("application/json", Bytes::from_static(b"{bad")).is_err());
        assert!(Fields::parse("", Bytes::new()).unwrap().text("x").unwrap().is_none());
    }

    #[test]
    fn nested_values_are_not_text() {
        let fields = json_fields(json!({"o": {"a": 1}, "l": [1]}));
        assert!(fields.text("o").is_err() && fields.text("l").is_err());
    }
}
