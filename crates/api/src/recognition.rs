use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /recognition/threshold`: the score a kiosk face must reach now, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecognitionThreshold {
    /// What scores are held to now.
    pub threshold: f32,
    /// What the calibration gives for this many templates (the promise measured on the reference
    /// populations: `fpir` of strangers' frames match someone).
    pub reference: f32,
    /// The configured share of strangers' frames that may match someone.
    pub fpir: f64,
    pub templates: usize,
    /// Whether scores are AS-normalised (large galleries) or raw cosines.
    pub normalised: bool,
    /// The enrolled faces resemble one another more than the reference populations' did, so the
    /// threshold was raised above the reference (expect more "please look at the camera").
    pub raised: bool,
    /// The last comparison of the enrolled delegates with one another, when the gallery was large
    /// enough to make one.
    pub self_calibration: Option<SelfCalibration>,
}

/// What comparing the enrolled delegates with one another found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SelfCalibration {
    pub delegates: usize,
    /// Scores between different delegates that were compared with the reference.
    pub comparisons: usize,
    /// How far above the reference's scores theirs reach at worst (0: not above).
    pub excess: f32,
    /// The rarest share of comparisons the gallery could check (for example 0.002: one in 500).
    pub rarest_share: f64,
}
