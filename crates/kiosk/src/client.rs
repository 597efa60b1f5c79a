use std::time::Duration;

use serde_json::Value;

use crate::queue::FrameMeta;

/// What became of one delivery attempt.
#[derive(Debug)]
pub enum Delivery {
    /// The server answered; the frame leaves the queue.
    Answered(Value),
    /// The server cannot use the frame (no open sitting, an image it refuses); it leaves the queue.
    Dropped(String),
    /// Try again later (server unreachable, busy or failing); the frame stays queued.
    Retry(String),
    /// The token is wrong: nothing will ever be accepted.
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    pub fn new(server: &str, token: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        Self {
            http,
            url: format!("{}/api/v1/kiosk/frames", server.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    pub async fn send(&self, meta: &FrameMeta, jpeg: Vec<u8>) -> Delivery {
        let resp = self
            .http
            .post(&self.url)
            .query(&[
                ("kiosk_frame_id", meta.kiosk_frame_id.as_str()),
                ("captured_at", meta.captured_at.as_str()),
            ])
            .bearer_auth(&self.token)
            .header("content-type", "image/jpeg")
            .body(jpeg)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Delivery::Retry(format!("server unreachable: {e}")),
        };
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("").to_string();
        match status {
            200 => Delivery::Answered(body),
            401 | 403 => Delivery::Refused(
                body["error"]["message"]
                    .as_str()
                    .unwrap_or("token refused")
                    .to_string(),
            ),
            408 | 429 | 500..=599 => Delivery::Retry(format!("server answered {status} {code}")),
            _ => Delivery::Dropped(format!("server answered {status} {code}")),
        }
    }
}
