//! The HTTP contract between the rollcall server and its clients (kiosks, the CLI, the web pages'
//! JavaScript, other systems). Every request and response body is a type here, so the server, the
//! clients and the OpenAPI document (generated from these types) cannot drift apart. No logic lives
//! here beyond naming things: the rules are in `rollcall-checkin`.

mod auth;
mod delegates;
mod error;
mod i18n;
mod kiosk;
mod presence;
mod recognition;
mod roll_calls;
mod sittings;

pub use auth::{CreatedToken, KioskSettings, NewToken, Role, Session, TokenInfo};
pub use delegates::{
    Candidate, Delegate, DelegateDetail, DelegatePatch, DelegateRef, IdentifyAnswer, ImportReport,
    ImportRow, NewDelegate, PhotoAccepted, PhotoInfo, PhotoQuality, PhotoQuery, PhotoSource,
    RowStatus,
};
pub use error::{ErrorBody, ErrorDetail};
pub use i18n::{Catalogue, LanguageInfo};
pub use kiosk::{FaceAnswer, FaceStatus, FrameAnswer, FrameQuery, Health};
pub use presence::{
    CheckoutStatus, KioskDirection, ManualCheckout, ManualCheckoutAnswer, Movement, QuorumBasis,
};
pub use recognition::{RecognitionThreshold, SelfCalibration};
pub use roll_calls::{
    DeliveryState, DocumentSignature, PublicKeyInfo, RollCall, RollCallDelegate, RollCallSummary,
    SignedRollCall, WebhookDelivery, ROLL_CALL_FORMAT,
};
pub use sittings::{
    Alert, AlertKind, Amendment, AmendmentAction, Attendance, AttendanceEvent, AttendanceSnapshot,
    AuditHead, CheckinRecord, CheckinStatus, DelegationCount, EventKind, ExpectedDelegation,
    KioskRef, LangQuery, ManualCheckin, ManualCheckinAnswer, NewAmendment, NewSitting, QuorumRule,
    QuorumSpec, RemoveCheckinQuery, RollAddition, Sitting, SittingStatus,
};

/// Every API route is under this prefix.
pub const API_PREFIX: &str = "/api/v1";
