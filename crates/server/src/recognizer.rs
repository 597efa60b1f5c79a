//! The server's side of recognition: the inference pool (off the async runtime, bounded), the
//! gallery of enrolled templates with their AS-norm biases, and the cohort those biases come from.

use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use rollcall_gallery::{Cohort, Gallery, ScanMode};
use rollcall_store::Store;
use rollcall_vision::{
    decode_image, DecodeLimits, Face, InferencePool, Purpose, VisionError, EMBEDDING_DIM,
};

use crate::config::Config;
use crate::error::AppError;

/// Written with each template, so that a model change can never mix incompatible vectors.
/// Which embedding space the stored templates are in: templates of another model are not loaded
/// (`rollcall templates rebuild` re-embeds them). The server always uses the pipeline's default fusion.
pub const MODEL_ID: &str = "mtcnn+dlib-resnet128-v1/flip+faceres-160/w0.05";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub delegate_id: i64,
    pub score: f32,
    /// Best score among all other delegates (`-inf` when there is none).
    pub runner_up: f32,
    /// The match threshold on the scale of `score`.
    pub threshold: f32,
}

/// Delegates with their scores, best first, and the threshold on the scale of those scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    pub hits: Vec<(i64, f32)>,
    pub threshold: f32,
}

/// The gallery and the cohort its biases were computed against, swapped together so that a search
/// never pairs one with the other's predecessor.
#[derive(Debug)]
struct Index {
    gallery: Arc<Gallery>,
    cohort: Arc<Cohort>,
}

#[derive(Debug)]
pub struct Recognizer {
    pool: Arc<InferencePool>,
    limits: DecodeLimits,
    index: RwLock<Arc<Index>>,
    /// One change at a time (a full reload, an added template, a removal): a reload that read the
    /// store before a concurrent enrolment must not swap in a gallery without it.
    writer: tokio::sync::Mutex<()>,
    cohort_top_n: usize,
    cohort_max: usize,
    min_cohort: usize,
    thresholds: (f32, f32),
}

impl Recognizer {
    fn snapshot(&self) -> Arc<Index> {
        Arc::clone(&self.index.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn swap(&self, gallery: Arc<Gallery>, cohort: Arc<Cohort>) {
        *self.index.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Index { gallery, cohort });
    }
}

pub fn image_error(e: VisionError) -> AppError {
    match e {
        VisionError::DataTooLarge { .. }
        | VisionError::DimensionsTooLarge { .. }
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

impl Recognizer {
    pub fn new(cfg: &Config) -> Result<Self, VisionError> {
        let pool = InferencePool::new(&cfg.pipeline(), cfg.workers, cfg.queue)?;
        Ok(Recognizer {
            pool,
            limits: cfg.decode_limits(),
            index: RwLock::new(Arc::new(Index {
                gallery: Arc::new(Gallery::new(EMBEDDING_DIM)),
                cohort: Arc::new(
                    Cohort::new(
                        EMBEDDING_DIM,
                        cfg.recognition.cohort_top_n,
                        std::iter::empty(),
                    )
                    .expect("empty cohort"),
                ),
            })),
            writer: tokio::sync::Mutex::new(()),
            cohort_top_n: cfg.recognition.cohort_top_n,
            cohort_max: cfg.recognition.cohort_max,
            min_cohort: cfg.recognition.min_cohort,
            thresholds: (
                cfg.recognition.match_threshold,
                cfg.recognition.raw_match_threshold,
            ),
        })
    }

    /// Decodes and analyses an image on an inference worker. `AppError::Busy` when every worker is
    /// taken and the queue is full: the caller answers 503 rather than queueing without bound.
    pub async fn analyze(&self, bytes: Vec<u8>, purpose: Purpose) -> Result<Vec<Face>, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let limits = self.limits;
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
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                }
                other => return other,
            }
        }
    }

    /// (Re)builds the gallery and the cohort from every template in the store.
    pub async fn load(&self, store: &Store) -> Result<usize, AppError> {
        let _one_writer = self.writer.lock().await;
        self.reload(store).await
    }

    async fn reload(&self, store: &Store) -> Result<usize, AppError> {
        let templates = store.templates(MODEL_ID).await?;
        // The cohort is the gallery itself, or an evenly spaced sample of it when it is larger.
        let step = templates.len().div_ceil(self.cohort_max.max(1)).max(1);
        let cohort = Cohort::new(
            EMBEDDING_DIM,
            self.cohort_top_n,
            templates
                .iter()
                .step_by(step)
                .map(|t| (t.delegate_id as u64, t.embedding.as_slice())),
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let gallery = Gallery::new(EMBEDDING_DIM);
        let mut rows = Vec::with_capacity(templates.len());
        for t in &templates {
            let bias = self.bias(&cohort, &t.embedding, t.delegate_id)?;
            rows.push((t.delegate_id as u64, t.embedding.as_slice(), bias));
        }
        gallery
            .add_biased(rows)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        self.swap(Arc::new(gallery), Arc::new(cohort));
        Ok(templates.len())
    }

    /// A template's AS-norm bias against `cohort`, or 0 while the cohort is too small to normalise.
    fn bias(&self, cohort: &Cohort, embedding: &[f32], delegate_id: i64) -> Result<f32, AppError> {
        if !self.normalises(cohort) {
            return Ok(0.0);
        }
        cohort
            .template_bias(embedding, delegate_id as u64)
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Whether scores against this cohort are AS-normalised (enough people in it) or raw cosines.
    fn normalises(&self, cohort: &Cohort) -> bool {
        cohort.len() >= self.min_cohort
    }

    pub async fn add_template(
        &self,
        store: &Store,
        delegate_id: i64,
        embedding: &[f32],
    ) -> Result<(), AppError> {
        let _one_writer = self.writer.lock().await;
        let index = self.snapshot();
        let cohort = &index.cohort;
        if cohort.len() < self.cohort_max && cohort.len() + 1 == self.min_cohort {
            // The cohort becomes large enough for AS-norm: every bias is computed afresh.
            self.reload(store).await?;
            return Ok(());
        }
        let bias = self.bias(cohort, embedding, delegate_id)?;
        index
            .gallery
            .add_biased([(delegate_id as u64, embedding, bias)])
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if cohort.len() < self.cohort_max {
            let mut next = (**cohort).clone();
            next.push(delegate_id as u64, embedding)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            self.swap(Arc::clone(&index.gallery), Arc::new(next));
        }
        Ok(())
    }

    /// Takes the delegate out of search and out of the cohort, at once.
    pub async fn remove_delegate(&self, store: &Store, delegate_id: i64) -> Result<(), AppError> {
        let _one_writer = self.writer.lock().await;
        let index = self.snapshot();
        let was_normalised = self.normalises(&index.cohort);
        index.gallery.remove(delegate_id as u64);
        let mut next = (*index.cohort).clone();
        next.remove(delegate_id as u64);
        let normalised = self.normalises(&next);
        self.swap(Arc::clone(&index.gallery), Arc::new(next));
        if was_normalised && !normalised {
            self.reload(store).await?;
        }
        Ok(())
    }

    /// After one of a delegate's photos was erased: their remaining templates stay searchable and
    /// the erased one leaves the gallery and the cohort, without rebuilding everyone else's rows.
    pub async fn refresh_delegate(&self, store: &Store, delegate_id: i64) -> Result<(), AppError> {
        let _one_writer = self.writer.lock().await;
        let remaining = store.delegate_templates(delegate_id, MODEL_ID).await?;
        let index = self.snapshot();
        let was_normalised = self.normalises(&index.cohort);
        let mut cohort = (*index.cohort).clone();
        cohort.remove(delegate_id as u64);
        for t in &remaining {
            if cohort.len() < self.cohort_max {
                cohort
                    .push(delegate_id as u64, &t.embedding)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
        }
        if self.normalises(&cohort) != was_normalised {
            // Crossing the AS-norm line changes every bias.
            self.reload(store).await?;
            return Ok(());
        }
        let mut rows = Vec::with_capacity(remaining.len());
        for t in &remaining {
            let bias = self.bias(&cohort, &t.embedding, delegate_id)?;
            rows.push((delegate_id as u64, t.embedding.as_slice(), bias));
        }
        index.gallery.remove(delegate_id as u64);
        index
            .gallery
            .add_biased(rows)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        self.swap(Arc::clone(&index.gallery), Arc::new(cohort));
        Ok(())
    }

    /// The best `k` delegates for an embedding, and the threshold on the scale of those scores. Both
    /// come from one cohort snapshot, so an enrolment that switches between raw and AS-normalised
    /// scoring mid-request cannot pair scores of one kind with the threshold of the other.
    pub fn candidates(&self, embedding: &[f32], k: usize) -> Result<Candidates, AppError> {
        let index = self.snapshot();
        let cohort = &index.cohort;
        let normalised = self.normalises(cohort);
        let threshold = if normalised {
            self.thresholds.0
        } else {
            self.thresholds.1
        };
        let offset = if normalised {
            cohort
                .probe_offset(embedding)
                .map_err(|e| AppError::Internal(e.to_string()))?
        } else {
            0.0
        };
        let hits = index
            .gallery
            .search(embedding, k, ScanMode::Exact)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let hits = hits
            .into_iter()
            .map(|h| (h.id as i64, h.score + offset))
            .collect();
        Ok(Candidates { hits, threshold })
    }

    pub fn best_match(&self, embedding: &[f32]) -> Result<Option<Match>, AppError> {
        let c = self.candidates(embedding, 2)?;
        Ok(c.hits.first().map(|&(delegate_id, score)| Match {
            delegate_id,
            score,
            runner_up: c.hits.get(1).map_or(f32::NEG_INFINITY, |x| x.1),
            threshold: c.threshold,
        }))
    }

    pub fn templates(&self) -> usize {
        self.snapshot().gallery.len()
    }

    pub fn shutdown(&self) {
        self.pool.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::MODEL_ID;

    #[test]
    fn model_id_names_the_default_fusion() {
        let p = rollcall_vision::PipelineConfig::default();
        let expected = format!("+faceres-{}/w{}", p.faceres_side, p.fusion_weight);
        assert!(MODEL_ID.ends_with(&expected), "{MODEL_ID} vs {expected}");
    }
}
