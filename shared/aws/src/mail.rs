//! Mail through the SES v1 `SendEmail` API (which LocalStack and moto also speak).

use super::errors::unavailable;
use async_trait::async_trait;
use aws_sdk_ses::types::{Body, Content, Destination, Message};
use foof_domain::ports::{BackendResult, Mailer};

pub struct SesMailer {
    client: aws_sdk_ses::Client,
    from: String,
}

impl SesMailer {
    pub fn new(client: aws_sdk_ses::Client, from: String) -> Self {
        Self { client, from }
    }
}

fn utf8(text: &str) -> BackendResult<Content> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(unavailable)
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send_mail(&self, to: &str, subject: &str, body: &str) -> BackendResult<()> {
        let message = Message::builder()
            .subject(utf8(subject)?)
            .body(Body::builder().text(utf8(body)?).build())
            .build();
        self.client
            .send_email()
            .source(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .message(message)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
