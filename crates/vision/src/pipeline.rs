use std::path::PathBuf;

use image::RgbImage;

use crate::align::align_chip;
use crate::detect::{DetectorConfig, MtcnnDetector};
use crate::embed::{Embedder, EMBEDDING_DIM};
use crate::geometry::BBox;
use crate::quality::Quality;
use crate::runtime::default_models_dir;
use crate::VisionError;

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub models_dir: PathBuf,
    pub detector: DetectorConfig,
    pub flip: bool,
    /// ONNX Runtime threads per session; with several pipelines in a pool, 1 each uses the cores best.
    pub intra_threads: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            models_dir: default_models_dir(),
            detector: DetectorConfig::default(),
            flip: true,
            intra_threads: 1,
        }
    }
}

/// One face found in a frame.
#[derive(Debug, Clone)]
pub struct Face {
    pub bbox: BBox,
    pub landmarks: [[f32; 2]; 5],
    pub quality: Quality,
    pub embedding: [f32; EMBEDDING_DIM],
}

impl Face {
    /// `[x, y, w, h]` in whole pixels, clipped to the frame's top-left.
    pub fn box_xywh(&self) -> [u32; 4] {
        let x = self.bbox.x1.max(0.0);
        let y = self.bbox.y1.max(0.0);
        [
            x as u32,
            y as u32,
            (self.bbox.x2 - x).max(0.0) as u32,
            (self.bbox.y2 - y).max(0.0) as u32,
        ]
    }

    pub fn centre(&self) -> [f32; 2] {
        [
            (self.bbox.x1 + self.bbox.x2) / 2.0,
            (self.bbox.y1 + self.bbox.y2) / 2.0,
        ]
    }
}

/// Detector and embedder sessions, loaded once. Not `Sync`: one per worker thread (see `InferencePool`).
#[derive(Debug)]
pub struct Pipeline {
    detector: MtcnnDetector,
    embedder: Embedder,
}

impl Pipeline {
    pub fn load(config: &PipelineConfig) -> Result<Self, VisionError> {
        Ok(Self {
            detector: MtcnnDetector::load(
                &config.models_dir,
                config.detector.clone(),
                config.intra_threads,
            )?,
            embedder: Embedder::load(&config.models_dir, config.flip, config.intra_threads)?,
        })
    }

    /// Every face in the frame, embedded in one batch.
    pub fn analyze(&mut self, img: &RgbImage) -> Result<Vec<Face>, VisionError> {
        let detections = self.detector.detect(img)?;
        let chips: Vec<RgbImage> = detections
            .iter()
            .map(|d| align_chip(img, &d.landmarks))
            .collect();
        let embeddings = self.embedder.embed(&chips)?;
        Ok(detections
            .into_iter()
            .zip(chips.iter().zip(embeddings))
            .map(|(d, (chip, embedding))| Face {
                quality: Quality::measure(&d.bbox, &d.landmarks, chip),
                bbox: d.bbox,
                landmarks: d.landmarks,
                embedding,
            })
            .collect())
    }

    /// The face nearest the image centre (the evaluation protocol's rule for images with several faces).
    pub fn analyze_central(&mut self, img: &RgbImage) -> Result<Option<Face>, VisionError> {
        let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
        let dist = |f: &Face| {
            let c = f.centre();
            (c[0] - cx).powi(2) + (c[1] - cy).powi(2)
        };
        Ok(self
            .analyze(img)?
            .into_iter()
            .min_by(|a, b| dist(a).total_cmp(&dist(b))))
    }
}
