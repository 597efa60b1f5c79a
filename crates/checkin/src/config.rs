//! The settings the check-in rules read (the server's `[recognition]` and `[enrolment]` sections).

use serde::Deserialize;

/// How a kiosk face becomes a check-in. Scores are AS-normalised cosines (docs/accuracy.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecognitionConfig {
    /// Smallest face side the detector looks for, pixels.
    pub min_face: f32,
    /// A face matches its top delegate at or above this score: `thr_1e-3` of `rollcall eval` on
    /// LFW-dev (0.0424), rounded up, i.e. about one impostor in a thousand passes a single frame.
    pub match_threshold: f32,
    /// ... and only when the second-best delegate scores at least this much lower.
    pub margin: f32,
    /// AS-norm needs a cohort of other people. Until the gallery holds this many templates, raw
    /// cosines are used instead, with `raw_match_threshold`.
    pub min_cohort: usize,
    /// Raw-cosine threshold for small galleries: `thr_1e-3` of `rollcall eval ... --norm none` on
    /// LFW-dev (0.9501), rounded up.
    pub raw_match_threshold: f32,
    /// Frames from one kiosk that must agree within `window_ms` before the check-in is written.
    pub frames_required: usize,
    pub window_ms: i64,
    /// Faces with eyes closer than this (pixels) are too small to judge: status `rejected`.
    pub min_inter_eye: f32,
    /// AS-norm: best cohort scores averaged per side.
    pub cohort_top_n: usize,
    /// Largest cohort kept in memory (a sample of the gallery beyond that).
    pub cohort_max: usize,
    /// Extra chip scales averaged into enrolment templates (offline, no kiosk cost).
    pub enrol_scales: Vec<f32>,
    /// Extra chip scales averaged into kiosk and identification embeddings (each adds one
    /// embedding to every frame).
    pub probe_scales: Vec<f32>,
}

impl Default for RecognitionConfig {
    fn default() -> Self {
        RecognitionConfig {
            min_face: 40.0,
            match_threshold: 0.043,
            margin: 0.010,
            min_cohort: 100,
            raw_match_threshold: 0.951,
            frames_required: 2,
            window_ms: 3000,
            min_inter_eye: 20.0,
            cohort_top_n: rollcall_gallery::DEFAULT_COHORT_TOP_N,
            cohort_max: 5000,
            enrol_scales: vec![1.1, 0.95],
            probe_scales: Vec::new(),
        }
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
