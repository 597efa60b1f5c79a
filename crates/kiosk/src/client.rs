use std::time::Duration;

use rollcall_api::{ErrorBody, FrameAnswer};

use crate::queue::FrameMeta;

/// What became of one delivery attempt.
#[derive(Debug)]
pub enum Delivery {
    /// The server answered; the frame leaves the queue.
    Answered(FrameAnswer),
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
        if status == 200 {
            return match resp.json::<FrameAnswer>().await {
                Ok(answer) => Delivery::Answered(answer),
                // A proxy's page or a cut-off body: the frame may not have been judged.
                Err(e) => Delivery::Retry(format!("unreadable answer: {e}")),
            };
        }
        let error = resp.json::<ErrorBody>().await.ok().map(|b| b.error);
        let code = error.as_ref().map_or("", |e| e.code.as_str());
        match status {
            401 | 403 => Delivery::Refused(
                error
                    .as_ref()
                    .map_or("token refused", |e| e.message.as_str())
                    .to_string(),
            ),
            408 | 429 | 500..=599 => Delivery::Retry(format!("server answered {status} {code}")),
            _ => Delivery::Dropped(format!("server answered {status} {code}")),
        }
    }
}
