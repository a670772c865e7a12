//! SMS through SNS `Publish` to a phone number.

use super::errors::unavailable;
use async_trait::async_trait;
use aws_sdk_sns::types::MessageAttributeValue;
use foof_domain::ports::{BackendResult, SmsSender};

pub struct SnsSms {
    client: aws_sdk_sns::Client,
}

impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SmsSender for SnsSms {
    async fn send_sms(&self, phone_e164: &str, text: &str) -> BackendResult<()> {
        let transactional = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("Transactional")
            .build()
            .map_err(unavailable)?;
        self.client
            .publish()
            .phone_number(phone_e164)
            .message(text)
            .message_attributes("AWS.SNS.SMS.SMSType", transactional)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
