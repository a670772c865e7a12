//! SMS and mail that are recorded instead of sent, standing in for `foof_aws::SnsSms` and
//! `foof_aws::SesMailer`; sends can be made to fail so that a use case's cleanup (say,
//! withdrawing a code that was never delivered) can be tested.

use crate::ports::{BackendError, BackendResult, Mailer, SmsSender};
use async_trait::async_trait;
use std::sync::{Arc, Mutex, MutexGuard};

/// Clones share what was sent.
#[derive(Clone, Default)]
pub struct Outbox {
    sent: Arc<Mutex<Sent>>,
}

#[derive(Default)]
struct Sent {
    sms: Vec<(String, String)>,
    mails: Vec<(String, String, String)>,
    failing: bool,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Sent> {
        self.sent.lock().expect("a test panicked while it held the outbox")
    }

    pub fn sms_sender(&self) -> Arc<dyn SmsSender> {
        Arc::new(self.clone())
    }

    pub fn mailer(&self) -> Arc<dyn Mailer> {
        Arc::new(self.clone())
    }

    /// Makes every later send fail (`true`) or succeed (`false`); failed sends are not recorded.
    pub fn fail_sends(&self, fail: bool) {
        self.lock().failing = fail;
    }

    /// (E.164 phone, text) of each SMS sent, oldest first.
    pub fn sms(&self) -> Vec<(String, String)> {
        self.lock().sms.clone()
    }

    /// (address, subject, body) of each mail sent, oldest first.
    pub fn mails(&self) -> Vec<(String, String, String)> {
        self.lock().mails.clone()
    }
}

fn refused(what: &str, to: &str) -> BackendError {
    BackendError::Unavailable(format!("{what} to {to}: the test made sends fail"))
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send_sms(&self, phone_e164: &str, text: &str) -> BackendResult<()> {
        let mut sent = self.lock();
        if sent.failing {
            return Err(refused("SMS", phone_e164));
        }
        sent.sms.push((phone_e164.to_owned(), text.to_owned()));
        Ok(())
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send_mail(&self, to: &str, subject: &str, body: &str) -> BackendResult<()> {
        let mut sent = self.lock();
        if sent.failing {
            return Err(refused("mail", to));
        }
        sent.mails.push((to.to_owned(), subject.to_owned(), body.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sends_are_recorded_unless_made_to_fail() {
        let outbox = Outbox::new();
        outbox.sms_sender().send_sms("+86138", "code 123456").await.unwrap();
        outbox.fail_sends(true);
        assert!(outbox.sms_sender().send_sms("+86139", "lost").await.is_err());
        assert!(outbox.mailer().send_mail("a@b", "s", "b").await.is_err());
        outbox.fail_sends(false);
        outbox.mailer().send_mail("a@b", "s", "b").await.unwrap();
        assert_eq!(outbox.sms(), [("+86138".to_owned(), "code 123456".to_owned())]);
        assert_eq!(outbox.mails(), [("a@b".to_owned(), "s".to_owned(), "b".to_owned())]);
    }
}
