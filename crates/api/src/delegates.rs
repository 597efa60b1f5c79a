use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delegate {
    pub id: i64,
    pub external_id: String,
    pub full_name: String,
    pub delegation: String,
    /// Counts toward quorum.
    pub eligible: bool,
    /// How many enrolled photos (each with its template) the delegate has.
    pub photos: i64,
}

/// Who a face was recognised as: enough to greet them, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DelegateRef {
    pub id: i64,
    pub full_name: String,
    pub delegation: String,
}

impl From<&Delegate> for DelegateRef {
    fn from(d: &Delegate) -> Self {
        DelegateRef {
            id: d.id,
            full_name: d.full_name.clone(),
            delegation: d.delegation.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewDelegate {
    pub external_id: String,
    pub full_name: String,
    pub delegation: String,
    #[serde(default = "yes")]
    pub eligible: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DelegatePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<bool>,
}

/// The quality signals measured on an enrolment photo's face (what the enrolment gate judged).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoQuality {
    pub box_width: f32,
    pub box_height: f32,
    /// Pixels between the eye centres.
    pub inter_eye: f32,
    /// Variance of the Laplacian of the aligned chip: low means blurred.
    pub sharpness: f32,
    /// Nose offset from the eye midline, in eye distances.
    pub yaw: f32,
    /// Eye line angle, degrees.
    pub roll: f32,
    /// 1 for a frontal face, falling to 0 as the head turns.
    pub frontal: f32,
    pub detector_score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoInfo {
    pub photo_id: i64,
    pub quality: PhotoQuality,
}

/// `GET /delegates/{id}`: the delegate and their enrolled photos (ids and quality, never images).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DelegateDetail {
    #[serde(flatten)]
    pub delegate: Delegate,
    pub photo_list: Vec<PhotoInfo>,
}

/// Where an enrolment photo comes from. A file (an official portrait, a scan, an import) is a
/// photograph by nature, so liveness on it is advisory: shown to staff with its score and
/// recorded, never a refusal. A photo taken with the desk's camera is a presentation at a camera,
/// as at a kiosk: one that looks like a picture of a photo or a screen is refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhotoSource {
    #[default]
    File,
    Camera,
}

impl PhotoSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoSource::File => "file",
            PhotoSource::Camera => "camera",
        }
    }
}

/// `POST /delegates/{id}/photos?source=file|camera`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhotoQuery {
    /// `file` (default) or `camera`: a desk camera's capture is refused when it looks like a
    /// picture of a photo or a screen; a file's liveness is advisory.
    #[serde(default)]
    pub source: PhotoSource,
}

/// `POST /delegates/{id}/photos` -> 201.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoAccepted {
    pub photo_id: i64,
    pub quality: PhotoQuality,
    pub source: PhotoSource,
    /// The face's liveness score, when liveness is on.
    #[serde(default)]
    pub liveness: Option<f32>,
    /// The score is below what a kiosk face needs: accepted because the photo is a file; staff
    /// should make sure it is the delegate's own portrait. Recorded in the audit entry.
    #[serde(default)]
    pub liveness_low: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub delegate: DelegateRef,
    pub score: f32,
    /// Whether the score reaches the server's match threshold.
    pub above_threshold: bool,
}

/// `POST /identify`: the largest face's box and its best candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IdentifyAnswer {
    /// `[x, y, w, h]` in image pixels.
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
    pub candidates: Vec<Candidate>,
}

/// What became of one CSV row's delegate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Created,
    /// The external id was already there (a re-run): nothing is created twice.
    Exists,
    Error,
}

/// One row of a bulk import's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// The CSV line (the header is line 1).
    pub row: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub status: RowStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_id: Option<i64>,
    /// The photo: `enrolled`, `already_enrolled`, `missing`, or the enrolment gate's refusal code
    /// (`no_face`, `duplicate_of`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<i64>,
    /// Why the row (`status: error`) could not be created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl ImportRow {
    pub fn new(row: usize, external_id: Option<String>, status: RowStatus) -> Self {
        ImportRow {
            row,
            external_id,
            status,
            delegate_id: None,
            photo: None,
            photo_id: None,
            code: None,
            message: None,
            detail: None,
        }
    }
}

/// `POST /delegates/import`: every row's outcome; one bad row does not stop the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub enrolled: usize,
    pub errors: usize,
    pub rows: Vec<ImportRow>,
}
