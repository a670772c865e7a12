//! `GET /image/**`: avatars and item images from the images bucket, with their media type.
//! (HTTP APIs have no S3 integration, hence a function.)

use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use foof_domain::images::ImageKind;
use foof_domain::ports::ObjectStore;
use foof_shared::ApiError;
use foof_shared::app::Adapters;
use foof_shared::http::PathText;
use std::sync::Arc;

pub fn router(adapters: &Adapters) -> Router {
    Router::new()
        .route("/image/{*path}", get(serve_image))
        .with_state(adapters.objects())
}

/// Stored keys are `image/avatar/…` and `image/item/…`: plain names, no traversal.
fn object_key(path: &str) -> Option<String> {
    let safe = |segment: &str| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    path.split('/').all(safe).then(|| format!("image/{path}"))
}

async fn serve_image(
    State(objects): State<Arc<dyn ObjectStore>>,
    path: Result<PathText, ApiError>,
) -> Result<Response, ApiError> {
    let PathText(path) = path.map_err(|_| ApiError::NotFound)?;
    let key = object_key(&path).ok_or(ApiError::NotFound)?;
    let object = objects.get(&key).await?.ok_or(ApiError::NotFound)?;
    // The media type follows the name FOOF gave the object, never metadata stored with it, and
    // browsers are told not to guess another: a stored object can only ever render as an image.
    let content_type = ImageKind::content_type_for_path(&key);
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static("public, max-age=60")),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        object.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::object_key;

    #[test]
    fn only_plain_paths_map_to_keys() {
        assert_eq!(
            object_key("avatar/default.jpg").as_deref(),
            Some("image/avatar/default.jpg")
        );
        assert_eq!(object_key("item/3-7-0.jpg").as_deref(), Some("image/item/3-7-0.jpg"));
        for bad in ["", "../secret", "item/../x", "item//x", "item/a b.jpg", "item/%2e%2e"] {
            assert_eq!(object_key(bad), None, "{bad:?}");
        }
    }
}
