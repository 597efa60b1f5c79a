use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::DelegateRef;

/// What the server concluded about one face in a kiosk frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaceStatus {
    /// This frame confirmed the delegate: the check-in is recorded.
    CheckedIn,
    /// Recognised, and already checked in for this sitting.
    AlreadyCheckedIn,
    /// A likely match that needs more agreeing frames before it counts (no name is shown yet).
    Pending,
    /// Nobody enrolled matches well enough.
    Unknown,
    /// The face is too small to judge.
    Rejected,
    /// The face does not look like a live person in front of the camera (a photo or a screen held
    /// up to it): never checked in; staff are alerted.
    SpoofSuspected,
    /// At an entrance: the delegate had left the hall and is back in (recorded).
    Returned,
    /// At an exit: this frame confirmed the delegate leaving the hall (recorded).
    CheckedOut,
    /// At an exit: recognised, and already out of the hall.
    AlreadyCheckedOut,
    /// At an exit: recognised, but never checked in for this sitting (nothing to record).
    NotCheckedIn,
}

impl FaceStatus {
    pub const ALL: [FaceStatus; 10] = [
        FaceStatus::CheckedIn,
        FaceStatus::AlreadyCheckedIn,
        FaceStatus::Pending,
        FaceStatus::Unknown,
        FaceStatus::Rejected,
        FaceStatus::SpoofSuspected,
        FaceStatus::Returned,
        FaceStatus::CheckedOut,
        FaceStatus::AlreadyCheckedOut,
        FaceStatus::NotCheckedIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaceStatus::CheckedIn => "checked_in",
            FaceStatus::AlreadyCheckedIn => "already_checked_in",
            FaceStatus::Pending => "pending",
            FaceStatus::Unknown => "unknown",
            FaceStatus::Rejected => "rejected",
            FaceStatus::SpoofSuspected => "spoof_suspected",
            FaceStatus::Returned => "returned",
            FaceStatus::CheckedOut => "checked_out",
            FaceStatus::AlreadyCheckedOut => "already_checked_out",
            FaceStatus::NotCheckedIn => "not_checked_in",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FaceAnswer {
    /// `[x, y, w, h]` in frame pixels.
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
    pub status: FaceStatus,
    /// Set once the delegate is recognised for certain (checked in or out, or already); null
    /// otherwise.
    pub delegate: Option<DelegateRef>,
    /// The best match's score (0 when nobody is enrolled or the face was too small).
    pub score: f32,
}

/// `POST /kiosk/frames`: every face in the frame with its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FrameAnswer {
    pub sitting_id: i64,
    pub faces: Vec<FaceAnswer>,
}

/// `POST /kiosk/frames?kiosk_frame_id=&captured_at=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrameQuery {
    /// The kiosk's own unique id of the frame (1 to 128 characters); a retry with the same id
    /// gets the same answer.
    pub kiosk_frame_id: String,
    /// When the frame was captured, RFC 3339; default: when it arrives.
    #[serde(default)]
    pub captured_at: Option<String>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// Templates in the searchable gallery.
    pub templates: usize,
}
