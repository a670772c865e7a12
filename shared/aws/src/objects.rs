//! Images in S3, under the same keys as their public paths (`image/avatar/…`, `image/item/…`).

use super::errors::unavailable;
use async_trait::async_trait;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use foof_domain::ports::{BackendResult, ObjectStore, StoredObject};

pub struct S3Objects {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Objects {
    pub fn new(client: aws_sdk_s3::Client, bucket: String) -> Self {
        Self { client, bucket }
    }
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> BackendResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> BackendResult<Option<StoredObject>> {
        let reply = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(reply) => reply,
            Err(SdkError::ServiceError(e)) if matches!(e.err(), GetObjectError::NoSuchKey(_)) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let content_type = reply
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let bytes = reply.body.collect().await.map_err(unavailable)?.into_bytes();
        Ok(Some(StoredObject { bytes, content_type }))
    }

    async fn delete(&self, key: &str) -> BackendResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
