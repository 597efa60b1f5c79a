//! Delivery of roll calls to the voting system. Deliveries are queued in the database with their
//! roll call; one sender per server claims each due delivery for one attempt (so servers sharing
//! a database do not send the same attempt twice), POSTs the signed JSON with an HMAC-SHA256
//! header, and records the outcome. A 2xx ends it for good; anything else is retried after
//! `retry_base_ms`, doubling up to `retry_max_ms`, until `max_attempts`.

use std::sync::Arc;
use std::time::Duration;

use rollcall_record::webhook::{
    signature, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use rollcall_store::{now_ms, AttemptOutcome, DueDelivery, Store};
use tokio::sync::Notify;

use crate::config;

/// How often the queue is looked at when nothing wakes the sender (deliveries queued by other
/// servers, retries coming due).
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub struct Webhook {
    url: String,
    secret: Vec<u8>,
    config: config::Webhook,
    wake: Notify,
    client: reqwest::Client,
}

impl Webhook {
    pub(crate) fn new(config: &config::Webhook) -> Result<Option<Self>, config::ConfigError> {
        let (Some(url), Some(secret)) = (config.url.clone(), config.secret_bytes()?) else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            // A receiver's redirect is not followed: the roll call goes where it was configured.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| config::ConfigError::Invalid {
                key: "webhook".into(),
                reason: e.to_string(),
            })?;
        Ok(Some(Webhook {
            url,
            secret,
            config: config.clone(),
            wake: Notify::new(),
            client,
        }))
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Tells the sender a delivery was queued.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failed ones.
    fn backoff_ms(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        self.config
            .retry_base_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.config.retry_max_ms)
    }

    async fn attempt(&self, store: &Store, d: &DueDelivery) -> AttemptOutcome {
        let attempts = d.attempts + 1;
        let retry_at = |now: i64| {
            (attempts < self.config.max_attempts).then(|| now + self.backoff_ms(attempts))
        };
        let body = match store.roll_call_documents(d.roll_call_id).await {
            Ok(Some((_, json, _))) => json,
            Ok(None) => {
                return AttemptOutcome::Failed {
                    status: None,
                    error: "the roll call is gone".into(),
                    retry_at: None,
                }
            }
            Err(e) => {
                return AttemptOutcome::Failed {
                    status: None,
                    error: format!("reading the roll call: {e}"),
                    retry_at: retry_at(now_ms()),
                }
            }
        };
        let timestamp = now_ms() / 1000;
        let sent = self
            .client
            .post(&d.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, "roll_call")
            .header(DELIVERY_HEADER, d.id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                signature(&self.secret, timestamp, body.as_bytes()),
            )
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => AttemptOutcome::Delivered {
                status: i64::from(r.status().as_u16()),
            },
            Ok(r) => AttemptOutcome::Failed {
                status: Some(i64::from(r.status().as_u16())),
                error: format!("the receiver answered {}", r.status()),
                retry_at: retry_at(now_ms()),
            },
            Err(e) => AttemptOutcome::Failed {
                status: None,
                error: if e.is_timeout() {
                    "the receiver did not answer in time".into()
                } else {
                    format!("could not reach the receiver: {e}")
                },
                retry_at: retry_at(now_ms()),
            },
        }
    }

    /// Sends every due delivery once; errors of the store are logged and retried on the next pass.
    async fn pass(&self, store: &Store) {
        let due = match store.due_deliveries(now_ms(), 16).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook queue");
                return;
            }
        };
        for d in due {
            // The lease outlasts one attempt; should this server die mid-attempt, the delivery
            // comes due again after it (a receiver may then see the same delivery id twice).
            let lease =
                now_ms() + i64::try_from(self.config.timeout_ms).unwrap_or(i64::MAX / 2) + 5_000;
            match store.claim_delivery(&d, lease).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, delivery = d.id, "claiming a webhook delivery");
                    continue;
                }
            }
            let outcome = self.attempt(store, &d).await;
            match &outcome {
                AttemptOutcome::Delivered { .. } => {
                    tracing::info!(
                        delivery = d.id,
                        roll_call = d.roll_call_id,
                        "roll call delivered"
                    );
                }
                AttemptOutcome::Failed {
                    error, retry_at, ..
                } => tracing::warn!(
                    delivery = d.id,
                    roll_call = d.roll_call_id,
                    attempt = d.attempts + 1,
                    %error,
                    gives_up = retry_at.is_none(),
                    "webhook delivery failed"
                ),
            }
            if let Err(e) = store.finish_attempt(d.id, &outcome).await {
                tracing::warn!(error = %e, delivery = d.id, "recording a webhook attempt");
            }
        }
    }
}

/// Runs the sender until `closed` resolves.
pub(crate) fn spawn(
    webhook: Arc<Webhook>,
    store: Store,
    closed: impl std::future::Future<Output = ()> + Send + 'static,
) {
    tokio::spawn(async move {
        tokio::pin!(closed);
        loop {
            webhook.pass(&store).await;
            tokio::select! {
                () = &mut closed => return,
                () = webhook.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let w = Webhook::new(&config::Webhook {
            url: Some("http://127.0.0.1:9/hook".into()),
            secret: Some("0123456789abcdef".into()),
            retry_base_ms: 1000,
            retry_max_ms: 10_000,
            ..config::Webhook::default()
        })
        .unwrap()
        .unwrap();
        let waits: Vec<i64> = (1..=6).map(|a| w.backoff_ms(a)).collect();
        assert_eq!(waits, [1000, 2000, 4000, 8000, 10_000, 10_000]);
        assert_eq!(
            w.backoff_ms(1000),
            10_000,
            "no overflow after many attempts"
        );
    }

    #[test]
    fn a_webhook_needs_an_http_url_and_one_long_enough_secret() {
        let base = config::Webhook {
            url: Some("http://127.0.0.1:9/hook".into()),
            ..config::Webhook::default()
        };
        let err = |w: config::Webhook| Webhook::new(&w).unwrap_err().to_string();
        assert!(err(base.clone()).contains("exactly one of"));
        assert!(err(config::Webhook {
            secret: Some("short".into()),
            ..base.clone()
        })
        .contains("at least 16"));
        assert!(err(config::Webhook {
            url: Some("ftp://x".into()),
            secret: Some("0123456789abcdef".into()),
            ..base
        })
        .contains("http://"));
        assert!(Webhook::new(&config::Webhook::default()).unwrap().is_none());
    }
}
