use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use image::RgbImage;

use crate::align::align_chip_scaled;
use crate::detect::{DetectorConfig, MtcnnDetector, Proposals};
use crate::embed::{l2_normalize, mean_direction, Embedder, Weights, DLIB_DIM};
use crate::geometry::BBox;
use crate::idle_cores::IdleCores;
use crate::liveness::{BoxMapping, LivenessModels};
use crate::quality::Quality;
use crate::runtime::default_models_dir;
use crate::sface::{sface_crop_scaled, SfaceEmbedder, SFACE_DIM};
use crate::sface_thread::{self, SfaceThread};
use crate::VisionError;

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub models_dir: PathBuf,
    pub detector: DetectorConfig,
    /// Average dlib's embedding of every enrolment chip with its mirror image's.
    pub flip: bool,
    /// The same for kiosk frames and identification queries (with `flip`). On by default: without
    /// it a face costs about 2 ms less (dlib in int8), but FNIR at FPIR 0.1% went from 5.33% to
    /// 6.96% (docs/accuracy.md).
    pub probe_flip: bool,
    /// dlib's ResNet with int8 weights and activations instead of float (`embed::Weights`).
    pub dlib_int8: bool,
    /// SFace with its last dense layer's weights in 8 bits (`Weights::Int8` for SFace).
    pub sface_dense_int8: bool,
    /// ONNX Runtime threads per session; with several pipelines in a pool, 1 each uses the cores best.
    pub intra_threads: usize,
    /// In a pool of single-threaded pipelines, a frame that starts while another of the pool's
    /// cores is idle runs SFace there, beside dlib and liveness (`crate::idle_cores`). No effect
    /// outside a pool or with `intra_threads` above 1 (those pipelines always run side by side).
    pub lend_idle_cores: bool,
    /// Chip scales whose embeddings are averaged with the standard chip's, for enrolment photos
    /// (offline, so the extra embeddings cost no kiosk time). See docs/accuracy.md, "What each lever bought".
    pub enrol_scales: Vec<f32>,
    /// The same for kiosk frames and identification; empty by default (each scale adds an
    /// embedding to every frame's latency).
    pub probe_scales: Vec<f32>,
    /// Whether SFace runs beside dlib's ResNet; without it the SFace part of the embedding is zero.
    pub sface: bool,
    /// Whether every face gets a liveness score, and how the detector's box maps to the box the
    /// liveness models expect (`liveness::BoxMapping`).
    pub liveness: Option<BoxMapping>,
}

/// Length of the embedding: dlib's unit descriptor, then SFace's unit feature. How much each
/// counts in a score is the recognizer's business (`rollcall-checkin`), not the pipeline's.
pub const EMBEDDING_DIM: usize = DLIB_DIM + SFACE_DIM;

/// What an image is analysed for: it decides which chip scales are embedded and averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A kiosk frame or an identification query.
    Probe,
    /// An enrolment photo, whose embedding becomes a template.
    Enrolment,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            models_dir: default_models_dir(),
            detector: DetectorConfig::default(),
            flip: true,
            probe_flip: true,
            dlib_int8: true,
            sface_dense_int8: true,
            intra_threads: 1,
            lend_idle_cores: true,
            enrol_scales: vec![1.1, 0.95],
            probe_scales: Vec::new(),
            sface: true,
            liveness: None,
        }
    }
}

impl PipelineConfig {
    /// Which embedding space this pipeline's templates are in. Stored with every template, so that
    /// a model change can never mix incompatible vectors: templates of another space are not
    /// loaded (`rollcall templates rebuild` re-embeds the stored photos). Chip scales and detector
    /// settings change how well a template is made, not the space, so they are not part of it.
    pub fn model_id(&self) -> String {
        format!(
            "mtcnn+dlib-resnet128-v1/{}+{}",
            if self.flip { "flip" } else { "noflip" },
            if self.sface { "sface-2021dec" } else { "none" }
        )
    }

    /// Whether a pool of `workers` such pipelines lends idle cores to its frames: single-threaded
    /// pipelines with SFace, at least two of them, `lend_idle_cores` on.
    pub fn lends_idle_cores(&self, workers: usize) -> bool {
        self.lend_idle_cores && self.sface && self.intra_threads == 1 && workers >= 2
    }

    /// Which build of dlib's ResNet embeds faces.
    pub fn dlib_weights(&self) -> Weights {
        Weights::from_int8(self.dlib_int8)
    }

    /// Which build of SFace embeds faces.
    pub fn sface_weights(&self) -> Weights {
        Weights::from_int8(self.sface_dense_int8)
    }

    /// What a score compares: templates of `model_id` with probes made this way. Calibration
    /// curves are measured for one such pairing.
    /// The detector's proposal stage is part of it: it moves O-Net's boxes and landmarks a
    /// little, and with them every score.
    pub fn scoring_model(&self) -> String {
        let mut id = self.model_id();
        if self.flip && !self.probe_flip {
            id.push_str("; probes unmirrored");
        }
        if self.dlib_int8 {
            id.push_str("; dlib int8");
        }
        if self.sface && self.sface_dense_int8 {
            id.push_str("; sface dense int8");
        }
        if let Proposals::Yunet { max_side } = self.detector.proposals {
            id.push_str(&format!("; yunet proposals at {max_side}"));
        }
        id
    }
}

/// One face found in a frame.
#[derive(Debug, Clone)]
pub struct Face {
    pub bbox: BBox,
    pub landmarks: [[f32; 2]; 5],
    pub quality: Quality,
    pub embedding: [f32; EMBEDDING_DIM],
    /// The probability that this is a live person in front of the camera (0 to 1), when the
    /// pipeline scores liveness.
    pub liveness: Option<f32>,
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

/// Makes each embedder's part of an embedding a unit vector again (after averaging several, say).
pub fn normalize_parts(embedding: &mut [f32; EMBEDDING_DIM]) {
    let (dlib, sface) = embedding.split_at_mut(DLIB_DIM);
    l2_normalize(dlib);
    l2_normalize(sface);
}

/// The faces the detector is sure of (score >= `min_score`), largest first (by the distance between the
/// eyes). The enrolment gate, the identify endpoint and `rollcall templates rebuild` all take the first
/// one as a photo's main face; one ordering keeps them in agreement.
pub fn largest_faces(faces: Vec<Face>, min_score: f32) -> Vec<Face> {
    let mut faces: Vec<Face> = faces
        .into_iter()
        .filter(|f| f.quality.detector_score >= min_score)
        .collect();
    faces.sort_by(|a, b| b.quality.inter_eye.total_cmp(&a.quality.inter_eye));
    faces
}

/// Detector and embedder sessions, loaded once. Not `Sync`: one per worker thread (see `InferencePool`).
#[derive(Debug)]
pub struct Pipeline {
    detector: MtcnnDetector,
    embedder: Embedder,
    flip: bool,
    probe_flip: bool,
    /// None when SFace is off (dlib alone). Shared with the `SfaceThread` of `side_by_side`, which
    /// runs it for the frames that go side by side; the others run it inline.
    sface: Option<Arc<Mutex<SfaceEmbedder>>>,
    liveness: Option<LivenessModels>,
    enrol_scales: Vec<f32>,
    probe_scales: Vec<f32>,
    /// When SFace runs on its thread beside dlib and liveness.
    side_by_side: SideBySide,
}

/// With two or more threads and SFace on, SFace runs on a thread of its own (kept for the
/// pipeline's life, `crate::sface_thread`) beside dlib and liveness, each model on one thread:
/// their small convolutions gain little from a second thread inside one model
/// (docs/performance.md), much from running side by side. A single-threaded pipeline in a pool
/// does so for the frames that find one of the pool's cores idle.
#[derive(Debug)]
enum SideBySide {
    Never,
    Always(SfaceThread),
    WhenIdle(Arc<IdleCores>, SfaceThread),
}

impl Pipeline {
    pub fn load(config: &PipelineConfig) -> Result<Self, VisionError> {
        let always_beside = config.sface && config.intra_threads >= 2;
        // The detector keeps every thread; the models after it share them when side by side.
        let model_threads = if always_beside {
            1
        } else {
            config.intra_threads
        };
        let sface = if config.sface {
            Some(Arc::new(Mutex::new(SfaceEmbedder::load(
                &config.models_dir,
                config.sface_weights(),
                model_threads,
            )?)))
        } else {
            None
        };
        let side_by_side = match &sface {
            Some(s) if always_beside => SideBySide::Always(SfaceThread::spawn(Arc::clone(s))?),
            _ => SideBySide::Never,
        };
        Ok(Self {
            detector: MtcnnDetector::load(
                &config.models_dir,
                config.detector.clone(),
                config.intra_threads,
            )?,
            embedder: Embedder::load(&config.models_dir, config.dlib_weights(), model_threads)?,
            flip: config.flip,
            probe_flip: config.flip && config.probe_flip,
            liveness: match config.liveness {
                Some(mapping) => Some(LivenessModels::load(
                    &config.models_dir,
                    mapping,
                    model_threads,
                )?),
                None => None,
            },
            sface,
            enrol_scales: config.enrol_scales.clone(),
            probe_scales: config.probe_scales.clone(),
            side_by_side,
        })
    }

    /// Lets frames run SFace on one of `cores` when it is idle (a pool of single-threaded
    /// pipelines; see `PipelineConfig::lend_idle_cores`). Pipelines with several threads, or
    /// without SFace, are left as they are.
    pub fn borrow_idle_cores(&mut self, cores: Arc<IdleCores>) -> Result<(), VisionError> {
        if let (Some(s), SideBySide::Never) = (&self.sface, &self.side_by_side) {
            self.side_by_side = SideBySide::WhenIdle(cores, SfaceThread::spawn(Arc::clone(s))?);
        }
        Ok(())
    }

    /// Every face in the frame, embedded in one batch, for recognition.
    pub fn analyze(&mut self, img: &RgbImage) -> Result<Vec<Face>, VisionError> {
        self.analyze_for(img, Purpose::Probe)
    }

    /// Every face in the frame. dlib's part averages the standard chip with the chips at the
    /// purpose's extra scales (all in one batch); SFace embeds its own 112x112 crop, with its mirror
    /// image for enrolment photos (offline, so it costs no kiosk time). Both parts are L2-normalised,
    /// weighted and joined into one unit vector.
    pub fn analyze_for(
        &mut self,
        img: &RgbImage,
        purpose: Purpose,
    ) -> Result<Vec<Face>, VisionError> {
        let detections = self.detector.detect(img)?;
        let extra = match purpose {
            Purpose::Probe => &self.probe_scales,
            Purpose::Enrolment => &self.enrol_scales,
        };
        let scales: Vec<f32> = std::iter::once(1.0).chain(extra.iter().copied()).collect();
        // One crop per face and scale, face by face: each embedder's batch in the same order.
        let crops_by = |crop: fn(&RgbImage, &[[f32; 2]; 5], f32) -> RgbImage| -> Vec<RgbImage> {
            detections
                .iter()
                .flat_map(|d| scales.iter().map(|&s| crop(img, &d.landmarks, s)))
                .collect()
        };
        let chips = crops_by(align_chip_scaled);
        let flip = match purpose {
            Purpose::Probe => self.probe_flip,
            Purpose::Enrolment => self.flip,
        };
        let sface_crops = || crops_by(sface_crop_scaled);
        let sface_flip = purpose == Purpose::Enrolment;
        let mut dlib_and_liveness = || -> Result<_, VisionError> {
            let per_chip = self.embedder.embed(&chips, flip)?;
            let liveness: Vec<Option<f32>> = match &mut self.liveness {
                Some(models) => detections
                    .iter()
                    .map(|d| models.score(img, &d.bbox).map(Some))
                    .collect::<Result<_, _>>()?,
                None => vec![None; detections.len()],
            };
            Ok((per_chip, liveness))
        };
        // SFace's thread, when this frame runs it there, and the core borrowed for it, held until
        // SFace is done: the core is busy until then.
        let (beside, borrowed) = match &self.side_by_side {
            _ if detections.is_empty() => (None, None),
            SideBySide::Never => (None, None),
            SideBySide::Always(thread) => (Some(thread), None),
            SideBySide::WhenIdle(cores, thread) => match cores.try_borrow() {
                Some(core) => (Some(thread), Some(core)),
                None => (None, None),
            },
        };
        // One feature per face: the mean direction over its scales.
        let per_face = |per_crop: Vec<[f32; SFACE_DIM]>| -> Vec<[f32; SFACE_DIM]> {
            per_crop
                .chunks_exact(scales.len())
                .map(|group| mean_direction(group.as_flattened()))
                .collect()
        };
        let ((per_chip, liveness), second) = match (&self.sface, beside) {
            (Some(_), Some(thread)) => {
                let pending = thread.start(sface_crops(), sface_flip);
                let here = dlib_and_liveness();
                // Waited for even when dlib failed: the frame's SFace run ends with the frame.
                let second = pending.wait();
                (here?, per_face(second?))
            }
            (Some(s), None) => {
                let here = dlib_and_liveness()?;
                let per_crop = sface_thread::lock(s).embed(&sface_crops(), sface_flip)?;
                (here, per_face(per_crop))
            }
            (None, _) => (
                dlib_and_liveness()?,
                vec![[0f32; SFACE_DIM]; detections.len()],
            ),
        };
        drop(borrowed);
        Ok(detections
            .into_iter()
            .zip(
                chips
                    .chunks_exact(scales.len())
                    .zip(per_chip.chunks_exact(scales.len())),
            )
            .zip(second)
            .zip(liveness)
            .map(|(((d, (face_chips, embeddings)), aux), liveness)| {
                let dlib: [f32; DLIB_DIM] = mean_direction(embeddings.as_flattened());
                let mut embedding = [0f32; EMBEDDING_DIM];
                let (head, tail) = embedding.split_at_mut(DLIB_DIM);
                head.copy_from_slice(&dlib);
                tail.copy_from_slice(&aux);
                Face {
                    // Quality is judged on the standard chip, the one every purpose shares.
                    quality: Quality::measure(&d.bbox, &d.landmarks, &face_chips[0]),
                    bbox: d.bbox,
                    landmarks: d.landmarks,
                    embedding,
                    liveness,
                }
            })
            .collect())
    }

    /// The face nearest the image centre (the evaluation protocol's rule for images with several faces).
    pub fn analyze_central(
        &mut self,
        img: &RgbImage,
        purpose: Purpose,
    ) -> Result<Option<Face>, VisionError> {
        let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
        let dist = |f: &Face| {
            let c = f.centre();
            (c[0] - cx).powi(2) + (c[1] - cy).powi(2)
        };
        Ok(self
            .analyze_for(img, purpose)?
            .into_iter()
            .min_by(|a, b| dist(a).total_cmp(&dist(b))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(inter_eye: f32, score: f32) -> Face {
        Face {
            bbox: BBox {
                x1: 0.0,
                y1: 0.0,
                x2: 2.0 * inter_eye,
                y2: 2.0 * inter_eye,
                score,
            },
            landmarks: [[0.0; 2]; 5],
            quality: Quality {
                box_width: 2.0 * inter_eye,
                box_height: 2.0 * inter_eye,
                inter_eye,
                sharpness: 100.0,
                yaw: 0.0,
                roll: 0.0,
                frontal: 1.0,
                detector_score: score,
            },
            embedding: [0.0; EMBEDDING_DIM],
            liveness: None,
        }
    }

    #[test]
    fn the_default_model_id_is_the_one_stored_templates_carry() {
        // Changing it makes every stored template invisible until `templates rebuild` runs.
        assert_eq!(
            PipelineConfig::default().model_id(),
            "mtcnn+dlib-resnet128-v1/flip+sface-2021dec"
        );
    }

    #[test]
    fn unmirrored_probes_are_a_scoring_of_their_own() {
        // Calibration curves measured with mirrored probes do not describe unmirrored ones.
        let mut pyramid = PipelineConfig {
            dlib_int8: false,
            sface_dense_int8: false,
            ..PipelineConfig::default()
        };
        pyramid.detector.proposals = Proposals::Pyramid;
        assert_eq!(pyramid.scoring_model(), pyramid.model_id());
        let unmirrored = PipelineConfig {
            probe_flip: false,
            ..pyramid.clone()
        };
        assert_eq!(
            unmirrored.scoring_model(),
            "mtcnn+dlib-resnet128-v1/flip+sface-2021dec; probes unmirrored"
        );
        // So are the 8-bit builds of dlib and of SFace's dense layer and YuNet's proposals, the
        // default: 8 bits move every score a little, and O-Net's boxes and landmarks move with
        // the proposals. None changes the embedding space (the model id), so stored templates
        // stay searchable.
        let default = PipelineConfig::default();
        assert_eq!(
            default.scoring_model(),
            "mtcnn+dlib-resnet128-v1/flip+sface-2021dec; dlib int8; sface dense int8; \
             yunet proposals at 320"
        );
        assert_eq!(default.model_id(), pyramid.model_id());
    }

    #[test]
    fn largest_faces_drops_unsure_ones_and_puts_the_largest_first() {
        let faces = vec![
            face(30.0, 0.99),
            face(80.0, 0.5),
            face(60.0, 0.95),
            face(45.0, 0.9),
        ];
        let eyes: Vec<f32> = largest_faces(faces, 0.9)
            .iter()
            .map(|f| f.quality.inter_eye)
            .collect();
        assert_eq!(eyes, vec![60.0, 45.0, 30.0]);
    }
}
