//! An in-memory bucket standing in for `foof_aws::S3Objects`, with a switch that makes puts
//! fail so that a use case's cleanup after a failed upload can be tested.

use crate::ports::{BackendError, BackendResult, ObjectStore, StoredObject};
use async_trait::async_trait;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Clones share the bucket.
#[derive(Clone, Default)]
pub struct Objects {
    bucket: Arc<Mutex<Bucket>>,
}

#[derive(Default)]
struct Bucket {
    objects: BTreeMap<String, StoredObject>,
    /// Puts that may still succeed; `None` for no limit.
    puts_left: Option<usize>,
}

impl Objects {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Bucket> {
        self.bucket
            .lock()
            .expect("a test panicked while it held the in-memory bucket")
    }

    pub fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::new(self.clone())
    }

    /// Makes every later put fail (`true`) or succeed (`false`).
    pub fn fail_puts(&self, fail: bool) {
        self.lock().puts_left = fail.then_some(0);
    }

    /// Lets the next `puts` puts succeed and fails the ones after them.
    pub fn fail_puts_after(&self, puts: usize) {
        self.lock().puts_left = Some(puts);
    }

    /// The stored keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.lock().objects.keys().cloned().collect()
    }
}

#[async_trait]
impl ObjectStore for Objects {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> BackendResult<()> {
        let mut bucket = self.lock();
        match &mut bucket.puts_left {
            Some(0) => return Err(BackendError::Unavailable(format!("put {key}: the test made puts fail"))),
            Some(left) => *left -= 1,
            None => {}
        }
        let object = StoredObject {
            bytes,
            content_type: content_type.to_owned(),
        };
        bucket.objects.insert(key.to_owned(), object);
        Ok(())
    }

    async fn get(&self, key: &str) -> BackendResult<Option<StoredObject>> {
        Ok(self.lock().objects.get(key).cloned())
    }

    /// Deleting a missing key succeeds, as in S3.
    async fn delete(&self, key: &str) -> BackendResult<()> {
        self.lock().objects.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_until_puts_are_made_to_fail() {
        let objects = Objects::new();
        let store = objects.store();
        store.put("a", Bytes::from_static(b"1"), "image/png").await.unwrap();
        let stored = store.get("a").await.unwrap().unwrap();
        assert_eq!(
            (stored.bytes.as_ref(), stored.content_type.as_str()),
            (&b"1"[..], "image/png")
        );
        objects.fail_puts_after(1);
        store.put("b", Bytes::new(), "image/jpeg").await.unwrap();
        assert!(matches!(
            store.put("c", Bytes::new(), "image/jpeg").await,
            Err(BackendError::Unavailable(_))
        ));
        assert_eq!(objects.keys(), ["a", "b"]);
        store.delete("a").await.unwrap();
        store.delete("missing").await.unwrap();
        assert!(store.get("a").await.unwrap().is_none());
        objects.fail_puts(false);
        store.put("c", Bytes::new(), "image/jpeg").await.unwrap();
        assert_eq!(objects.keys(), ["b", "c"]);
    }
}
