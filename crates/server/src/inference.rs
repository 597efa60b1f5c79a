//! Frames and photos -> faces, off the async runtime: decoding and the recognition pipeline run on
//! a bounded pool of worker threads, and a full pool answers busy instead of queueing without bound.

use std::sync::Arc;

use axum::http::StatusCode;
use rollcall_vision::{decode_image, DecodeLimits, Face, InferencePool, Purpose, VisionError};

use crate::config::Config;
use crate::error::AppError;

#[derive(Debug)]
pub struct Inference {
    pool: Arc<InferencePool>,
    /// Kiosk frames and identification queries; enrolment photos.
    probe_limits: DecodeLimits,
    enrolment_limits: DecodeLimits,
}

/// A decoding or pipeline error as the client should see it.
pub fn image_error(e: VisionError) -> AppError {
    match e {
        VisionError::DataTooLarge { .. }
        | VisionError::DimensionsTooLarge { .. }
        | VisionError::TooManyPixels { .. }
        | VisionError::DecodeTooLarge { .. } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
            e.to_string(),
        ),
        VisionError::EmptyImage | VisionError::UnsupportedFormat | VisionError::Corrupt(_) => {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_image",
                e.to_string(),
            )
        }
        other => AppError::Internal(other.to_string()),
    }
}

impl Inference {
    pub fn new(cfg: &Config) -> Result<Self, VisionError> {
        Ok(Inference {
            pool: InferencePool::new(&cfg.pipeline(), cfg.workers, cfg.queue)?,
            probe_limits: cfg.decode_limits_for(Purpose::Probe),
            enrolment_limits: cfg.decode_limits_for(Purpose::Enrolment),
        })
    }

    /// Decodes and analyses an image on an inference worker. `AppError::Busy` when every worker is
    /// taken and the queue is full: the caller answers 503 rather than queueing without bound.
    pub async fn analyze(&self, bytes: Vec<u8>, purpose: Purpose) -> Result<Vec<Face>, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let limits = match purpose {
            Purpose::Probe => self.probe_limits,
            Purpose::Enrolment => self.enrolment_limits,
        };
        self.pool.try_submit(move |p| {
            let result = decode_image(&bytes, &limits).and_then(|img| p.analyze_for(&img, purpose));
            let _ = tx.send(result);
        })?;
        rx.await
            .map_err(|_| AppError::Internal("inference worker dropped the job".into()))?
            .map_err(image_error)
    }

    /// Like `analyze`, but waits for a free worker instead of answering busy (bulk imports).
    pub async fn analyze_waiting(
        &self,
        bytes: Vec<u8>,
        purpose: Purpose,
    ) -> Result<Vec<Face>, AppError> {
        loop {
            match self.analyze(bytes.clone(), purpose).await {
                Err(AppError::Busy) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }

    pub fn shutdown(&self) {
        self.pool.shutdown();
    }
}
