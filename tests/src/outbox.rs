//! What the emulator says was sent: moto's `/moto-api/data.json`, or LocalStack's
//! `/_aws/sns/sms-messages` and `/_aws/ses`. Tests read verification codes only from here.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// The mail-verification link in the body, as mailed (host included).
    pub fn verification_link(&self) -> Option<&str> {
        self.body
            .split_whitespace()
            .find(|word| word.contains("/user/mail/verify/"))
    }
}

pub struct Outbox {
    endpoint: String,
    http: reqwest::Client,
}

impl Outbox {
    pub fn new(endpoint: String) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn fetch(&self, path: &str) -> Option<Value> {
        let response = self.http.get(format!("{}{path}", self.endpoint)).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// SMS texts sent to this E.164 number so far, oldest first (see [`Outbox::await_sms`]).
    pub async fn sms_to(&self, phone_e164: &str) -> Vec<String> {
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        if let Some(moto) = self.fetch("/moto-api/data.json").await {
            let all = moto["sns"]["SMS"].as_array().cloned().unwrap_or_default();
            return all
                .iter()
                .filter(|m| m["phone_number"] == phone_e164)
                .map(|m| text(m, "message"))
                .collect();
        }
        // LocalStack keeps SMS per account and region, and answers for us-east-1 unless told.
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
        let query = format!(
            "/_aws/sns/sms-messages?region={region}&phoneNumber={}",
            phone_e164.replace('+', "%2B")
        );
        let localstack = self.fetch(&query).await.expect("neither moto nor LocalStack answers");
        let all = localstack["sms_messages"][phone_e164]
            .as_array()
            .cloned()
            .unwrap_or_default();
        all.iter().map(|m| text(m, "Message")).collect()
    }

    /// The SMS texts sent to this number once at least `count` have arrived, waiting up to 10 s:
    /// LocalStack hands an SMS to its delivery threads and answers Publish before it is in
    /// `/_aws/sns/sms-messages` (moto records it before answering). What arrived by then if fewer.
    pub async fn await_sms(&self, phone_e164: &str, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let texts = self.sms_to(phone_e164).await;
            if texts.len() >= count || tokio::time::Instant::now() >= deadline {
                return texts;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// Mail sent to this address, oldest first.
    pub async fn mail_to(&self, address: &str) -> Vec<Mail> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let mails: Vec<Mail> = if let Some(moto) = self.fetch("/moto-api/data.json").await {
            let all = moto["ses"]["Message"].as_array().cloned().unwrap_or_default();
            all.iter()
                .map(|m| Mail {
                    to: strings(&m["destinations"]["ToAddresses"]),
                    subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                    body: m["body"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        } else {
            let localstack = self
                .fetch("/_aws/ses")
                .await
                .expect("neither moto nor LocalStack answers");
            let all = localstack["messages"].as_array().cloned().unwrap_or_default();
            all.iter()
                .map(|m| Mail {
                    to: strings(&m["Destination"]["ToAddresses"]),
                    subject: m["Subject"].as_str().unwrap_or_default().to_owned(),
                    body: m["Body"]["text_part"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        };
        mails
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}
