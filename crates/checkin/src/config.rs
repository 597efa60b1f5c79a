//! The settings the check-in rules read (the server's `[recognition]` and `[enrolment]` sections).

use std::path::PathBuf;

use rollcall_gallery::Block;
use rollcall_vision::{BoxMapping, Proposals, DLIB_DIM, SFACE_DIM};
use serde::Deserialize;

/// How a kiosk face becomes a check-in (docs/accuracy.md explains each setting and what it bought).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecognitionConfig {
    /// Smallest face side the detector looks for, pixels.
    pub min_face: f32,
    /// Share of SFace in the fused score: `(1 - w) * dlib + w * sface`, each AS-normalised on its
    /// own once the gallery is large enough. 0 runs dlib alone (and does not load SFace).
    pub sface_weight: f32,
    /// The share of impostors a single frame may let past, whatever the number enrolled: the match
    /// threshold is derived from it and the gallery's size through the calibration (0.001: one in a
    /// thousand per frame; a check-in needs `frames_required` agreeing frames).
    pub fpir: f64,
    /// Score curves the thresholds are derived from (`rollcall eval DATASET --write-calibration
    /// FILE`); unset: the built-in curves, measured on LFW-dev.
    pub calibration: Option<PathBuf>,
    /// Compare the enrolled delegates with one another after the gallery changes and raise the
    /// threshold where they resemble one another more than the calibration's population did
    /// (`gallery_tail`); never lowers it.
    pub self_calibrate: bool,
    /// A match must also beat the second-best delegate by this much.
    pub margin: f32,
    /// Below this many enrolled templates scores are raw fused cosines; from it on they are
    /// AS-normalised against the gallery (which then is a cohort large enough to mean something).
    pub min_cohort: usize,
    /// AS-norm averages this share of the best cohort scores (10 of 830 on LFW-dev).
    pub cohort_share: f32,
    /// Frames from one kiosk that must agree within `window_ms` before the check-in is written.
    pub frames_required: usize,
    pub window_ms: i64,
    /// Faces with eyes closer than this (pixels) are too small to judge: status `rejected`.
    pub min_inter_eye: f32,
    /// Largest cohort kept in memory (a sample of the gallery beyond that).
    pub cohort_max: usize,
    /// Extra chip scales averaged into enrolment templates (offline, no kiosk cost).
    pub enrol_scales: Vec<f32>,
    /// Extra chip scales averaged into kiosk and identification embeddings (each adds one
    /// embedding to every frame).
    pub probe_scales: Vec<f32>,
    /// Average dlib's embedding of every kiosk face with its mirror image's, as enrolment
    /// templates always are. Off saves dlib's second run per face (about 2 ms in int8) at a
    /// measured cost at the rare-impostor end (docs/accuracy.md, "What each lever bought").
    pub probe_mirror: bool,
    /// Run dlib's ResNet with 7-bit weights and 8-bit activations
    /// (`models/dlib_resnet128_int8.onnx`) rather than float: about half the time a face,
    /// descriptors within a cosine of 0.995 of the float model's and the same bits on every x86-64
    /// instruction set (docs/accuracy.md, "dlib in int8").
    pub dlib_int8: bool,
    /// Run SFace with its last dense layer's weights in 8 bits (`models/sface_dense_int8.onnx`): a
    /// 25.7 MB matrix read once a face becomes 6.4 MB, features within a cosine of 0.9999 of the
    /// float model's (docs/accuracy.md, "SFace's dense layer in 8 bits").
    pub sface_dense_int8: bool,
    /// Where the detector's candidate faces come from before MTCNN's O-Net draws each box and its
    /// landmarks: YuNet on the image reduced to `proposal_side` pixels (the longer side), or
    /// MTCNN's own image pyramid (docs/performance.md, "The detector").
    pub proposals: ProposalSource,
    pub proposal_side: u32,
}

/// `[recognition] proposals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalSource {
    Yunet,
    Pyramid,
}

impl Default for RecognitionConfig {
    fn default() -> Self {
        RecognitionConfig {
            min_face: 40.0,
            sface_weight: 0.25,
            fpir: 0.001,
            calibration: None,
            self_calibrate: true,
            margin: 0.0,
            min_cohort: 400,
            cohort_share: rollcall_gallery::DEFAULT_COHORT_SHARE,
            frames_required: 2,
            window_ms: 3000,
            min_inter_eye: 20.0,
            cohort_max: 5000,
            enrol_scales: vec![1.1, 0.95],
            probe_scales: Vec::new(),
            probe_mirror: true,
            dlib_int8: true,
            sface_dense_int8: true,
            proposals: ProposalSource::Yunet,
            proposal_side: 320,
        }
    }
}

impl RecognitionConfig {
    /// The fused template's blocks: dlib's descriptor, then SFace's feature, with their weights.
    pub fn blocks(&self) -> Vec<Block> {
        let w = self.sface_weight.clamp(0.0, 1.0);
        vec![
            Block {
                range: 0..DLIB_DIM,
                weight: 1.0 - w,
            },
            Block {
                range: DLIB_DIM..DLIB_DIM + SFACE_DIM,
                weight: w,
            },
        ]
    }

    /// The detector's proposal stage these settings ask for.
    pub fn proposals(&self) -> Proposals {
        match self.proposals {
            ProposalSource::Yunet => Proposals::Yunet {
                max_side: self.proposal_side,
            },
            ProposalSource::Pyramid => Proposals::Pyramid,
        }
    }

    /// What a score means under these settings for templates of `model_id`: calibration curves are
    /// valid only for the scoring they were measured with.
    pub fn scoring_id(&self, model_id: &str) -> String {
        format!(
            "{model_id}; dlib {} + sface {}; cohort share {:.4}",
            1.0 - self.sface_weight.clamp(0.0, 1.0),
            self.sface_weight.clamp(0.0, 1.0),
            self.cohort_share
        )
    }
}

/// Liveness: a kiosk face whose live probability is below `threshold` is never checked in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LivenessConfig {
    /// Score every kiosk face (and enrolment photo) for liveness.
    pub enabled: bool,
    /// Faces scoring below this are suspected presentation attacks (docs/liveness.md: chosen on
    /// pad-dev where 5% of live people would be turned away; recalibrate with `rollcall eval-pad`).
    pub threshold: f32,
    /// Enrolment photos taken with the desk's camera below `threshold` are refused too
    /// (`spoof_suspected`); an uploaded file's score is advisory (shown to staff, audited).
    pub check_enrolment: bool,
    /// How an MTCNN box maps to the box the models were trained on (Minivision's RetinaFace):
    /// centre shift as a share of the box's width and height, and size factors.
    pub box_dx: f32,
    pub box_dy: f32,
    pub box_sw: f32,
    pub box_sh: f32,
}

impl Default for LivenessConfig {
    fn default() -> Self {
        LivenessConfig {
            enabled: true,
            threshold: 0.64,
            check_enrolment: true,
            box_dx: 0.01,
            box_dy: 0.06,
            box_sw: 1.13,
            box_sh: 0.90,
        }
    }
}

impl LivenessConfig {
    /// The pipeline's liveness setting: the box mapping, or `None` when liveness is off.
    pub fn mapping(&self) -> Option<BoxMapping> {
        self.enabled.then_some(BoxMapping {
            dx: self.box_dx,
            dy: self.box_dy,
            sw: self.box_sw,
            sh: self.box_sh,
        })
    }
}

/// The enrolment photo gate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GateConfig {
    pub min_inter_eye: f32,
    /// Variance of the Laplacian of the aligned chip.
    pub min_sharpness: f32,
    /// 0..1 frontal-pose estimate from the landmarks.
    pub min_frontal: f32,
    /// Detector confidence for a face to count at all (kiosk frames too).
    pub min_detector_score: f32,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            min_inter_eye: 30.0,
            min_sharpness: 20.0,
            min_frontal: 0.5,
            min_detector_score: 0.9,
        }
    }
}
