//! Frames and photos -> faces, off the async runtime: decoding and the recognition pipeline run on
//! a bounded pool of worker threads, and a full pool answers busy instead of queueing without bound.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use axum::http::StatusCode;
use rollcall_vision::{decode_image, DecodeLimits, Face, InferencePool, Purpose, VisionError};

use crate::config::Config;
use crate::error::AppError;

#[derive(Debug)]
pub struct Inference {
    pool: Arc<InferencePool>,
    /// One permit per worker and per queue place. A request takes one before its upload is read
    /// and gives it back when its job is done, so a full pool refuses at the cost of a header.
    slots: Arc<Semaphore>,
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

/// A place in the inference pool, held from before a request's body is read until its image has
/// been analysed (or the request is dropped before that).
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Inference {
    pub fn new(cfg: &Config) -> Result<Self, VisionError> {
        // The channel has room for every permit, so a job that holds one is never refused by it.
        let places = cfg.workers() + cfg.queue;
        Ok(Inference {
            pool: InferencePool::new(&cfg.pipeline(), cfg.workers(), places)?,
            slots: Arc::new(Semaphore::new(places)),
            probe_limits: cfg.decode_limits_for(Purpose::Probe),
            enrolment_limits: cfg.decode_limits_for(Purpose::Enrolment),
        })
    }

    /// A place for one image, or `AppError::Busy` when every worker is taken and the queue is full:
    /// the caller answers 503 rather than queueing without bound, before reading the upload.
    pub fn reserve(&self) -> Result<Slot, AppError> {
        Arc::clone(&self.slots)
            .try_acquire_owned()
            .map(|permit| Slot { _permit: permit })
            .map_err(|_| AppError::Busy)
    }

    /// Decodes and analyses an image on an inference worker; `AppError::Busy` as `reserve`.
    pub async fn analyze(&self, bytes: Vec<u8>, purpose: Purpose) -> Result<Vec<Face>, AppError> {
        let slot = self.reserve()?;
        self.analyze_in(slot, bytes, purpose).await
    }

    /// Decodes and analyses an image in a place reserved for it.
    pub async fn analyze_in(
        &self,
        slot: Slot,
        bytes: Vec<u8>,
        purpose: Purpose,
    ) -> Result<Vec<Face>, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let limits = match purpose {
            Purpose::Probe => self.probe_limits,
            Purpose::Enrolment => self.enrolment_limits,
        };
        self.pool.try_submit(move |p| {
            let result = decode_image(&bytes, &limits).and_then(|img| p.analyze_for(&img, purpose));
            // The place is free again once the worker is, whether or not anyone still waits.
            drop(slot);
            let _ = tx.send(result);
        })?;
        // A job is dropped unanswered only when it panicked (the pool caught it, counted it and
        // went on): a bug, so a 500 for this image alone, with the panic in the log.
        rx.await
            .map_err(|_| AppError::Internal("the inference worker panicked on this image".into()))?
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

    /// Jobs that panicked since start-up (`rollcall_inference_panics_total`).
    pub fn panics(&self) -> u64 {
        self.pool.panics()
    }

    pub fn shutdown(&self) {
        self.pool.shutdown();
    }
}
