//! The OpenAPI document, generated from the handlers' annotations (served at `/api/openapi.json`).

use rollcall_store::{
    Attendance, CheckinRecord, Delegate, DelegatePatch, DelegationCount, NewDelegate, QuorumRule,
    Sitting, SittingStatus,
};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::events::AttendanceEvent;
use crate::routes::{ManualCheckin, NewSitting, Quorum};

/// Every error: `{"error": {"code", "message", "detail"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable reason, e.g. `no_face`, `duplicate_of`, `busy`, `database_unavailable`.
    pub code: String,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoAccepted {
    pub photo_id: i64,
    /// Box size, inter-eye distance, sharpness, yaw, roll, frontal estimate, detector score.
    #[schema(value_type = Object)]
    pub quality: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FaceAnswer {
    /// `[x, y, w, h]` in frame pixels.
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
    /// `checked_in`, `already_checked_in`, `pending`, `unknown` or `rejected`.
    pub status: String,
    /// `{id, full_name, delegation}` once checked in; null otherwise.
    #[schema(value_type = Option<Object>)]
    pub delegate: Option<serde_json::Value>,
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameAnswer {
    pub sitting_id: i64,
    pub faces: Vec<FaceAnswer>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "rollcall", description = "Face-recognition attendance check-in. Every /api/v1 route needs a bearer token with a role: admin, staff, kiosk or presidium."),
    paths(
        crate::routes::delegates::create, crate::routes::delegates::list, crate::routes::delegates::get, crate::routes::delegates::update,
        crate::routes::delegates::erase, crate::routes::delegates::add_photo, crate::routes::delegates::import,
        crate::routes::delegates::delete_photo, crate::routes::delegates::identify,
        crate::routes::sittings::create, crate::routes::sittings::list, crate::routes::sittings::open, crate::routes::sittings::close,
        crate::routes::sittings::manual_checkin, crate::routes::sittings::remove_checkin, crate::routes::sittings::attendance,
        crate::routes::sittings::attendance_csv, crate::routes::sittings::events, crate::routes::kiosk::frame,
        crate::routes::misc::healthz, crate::routes::misc::metrics, crate::routes::misc::session,
    ),
    components(schemas(
        Delegate, NewDelegate, DelegatePatch, Sitting, SittingStatus, QuorumRule, Attendance, DelegationCount, CheckinRecord,
        NewSitting, Quorum, ManualCheckin, ErrorBody, ErrorDetail, PhotoAccepted, FaceAnswer, FrameAnswer, AttendanceEvent,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
