use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuorumRule {
    /// present / eligible > numerator / denominator
    MoreThan,
    /// present / eligible >= numerator / denominator
    AtLeast,
}

impl QuorumRule {
    pub fn as_str(self) -> &'static str {
        match self {
            QuorumRule::MoreThan => "more_than",
            QuorumRule::AtLeast => "at_least",
        }
    }

    pub fn parse(s: &str) -> Option<QuorumRule> {
        match s {
            "more_than" => Some(QuorumRule::MoreThan),
            "at_least" => Some(QuorumRule::AtLeast),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SittingStatus {
    Draft,
    Open,
    Closed,
}

impl SittingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SittingStatus::Draft => "draft",
            SittingStatus::Open => "open",
            SittingStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<SittingStatus> {
        match s {
            "draft" => Some(SittingStatus::Draft),
            "open" => Some(SittingStatus::Open),
            "closed" => Some(SittingStatus::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Sitting {
    pub id: i64,
    pub name: String,
    pub quorum_numerator: i64,
    pub quorum_denominator: i64,
    pub quorum_rule: QuorumRule,
    pub status: SittingStatus,
    /// Whom the quorum counts: checked in (default) or in the hall now.
    #[serde(default)]
    pub quorum_basis: crate::QuorumBasis,
    /// Unix milliseconds.
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// A quorum: `rule` a fraction `numerator / denominator` of the eligible delegates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuorumSpec {
    pub numerator: i64,
    pub denominator: i64,
    pub rule: QuorumRule,
    /// Whom it counts; default `checked_in`. Left out of documents when it is the default, so
    /// that roll calls signed before sittings had a basis keep their exact layout.
    #[serde(default, skip_serializing_if = "crate::QuorumBasis::is_default")]
    pub basis: crate::QuorumBasis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewSitting {
    pub name: String,
    pub quorum: QuorumSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManualCheckin {
    pub delegate_id: i64,
    /// Why the desk checks the delegate in by hand (badge shown, camera failed, ...).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckinStatus {
    CheckedIn,
    AlreadyCheckedIn,
    /// Checked in earlier and marked out since: back in the hall.
    Returned,
}

/// `POST /sittings/{id}/checkins`: 201 `checked_in` or 200 `already_checked_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManualCheckinAnswer {
    pub status: CheckinStatus,
    pub delegate_id: i64,
}

/// `DELETE /sittings/{id}/checkins/{delegate_id}?reason=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveCheckinQuery {
    /// Why the check-in is taken back (audited).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckinRecord {
    pub delegate_id: i64,
    pub full_name: String,
    pub delegation: String,
    /// `kiosk` or `manual`.
    pub method: String,
    pub score: Option<f64>,
    /// Unix milliseconds (the frame's capture time for kiosk check-ins).
    pub checked_in_at: i64,
    /// In the hall now: not seen leaving since the last entrance (for a closed sitting, at its
    /// closing).
    #[serde(default = "yes")]
    pub in_hall: bool,
    /// On the sitting's eligible roll: counts toward quorum.
    #[serde(default = "yes")]
    pub on_roll: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DelegationCount {
    pub delegation: String,
    pub eligible: i64,
    /// Eligible delegates checked in.
    pub present: i64,
    /// Of them, in the hall now.
    #[serde(default)]
    pub in_hall: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attendance {
    pub sitting_id: i64,
    pub eligible: i64,
    /// Eligible delegates the quorum counts (checked in, or in the hall now, as the sitting's
    /// basis says). Others may check in, but do not count toward quorum.
    pub present: i64,
    /// What `present` counts.
    #[serde(default)]
    pub basis: crate::QuorumBasis,
    /// Eligible delegates who checked in, whether or not they left since.
    #[serde(default)]
    pub checked_in: i64,
    /// Eligible delegates in the hall now.
    #[serde(default)]
    pub in_hall: i64,
    /// How many present delegates the quorum needs.
    pub required: i64,
    pub quorum_reached: bool,
    pub by_delegation: Vec<DelegationCount>,
    pub checkins: Vec<CheckinRecord>,
    /// Corrections made after the sitting closed, oldest first (already counted above).
    #[serde(default)]
    pub amendments: Vec<Amendment>,
}

/// What an amendment of a closed sitting does to one delegate's attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentAction {
    /// Counts the delegate present.
    Add,
    /// Takes the delegate's check-in back.
    Remove,
}

impl AmendmentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AmendmentAction::Add => "add",
            AmendmentAction::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [AmendmentAction::Add, AmendmentAction::Remove]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// `POST /sittings/{id}/amendments`: a correction of a closed sitting (admins, with a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewAmendment {
    pub delegate_id: i64,
    pub action: AmendmentAction,
    /// Why (1 to 500 characters): shown in every report of the sitting.
    pub reason: String,
}

/// A recorded amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Amendment {
    pub id: i64,
    pub delegate_id: i64,
    pub action: AmendmentAction,
    pub reason: String,
    /// The token that made it (`token:ID`).
    pub actor: String,
    /// Unix milliseconds.
    pub at: i64,
}

/// `?lang=` of the attendance exports: the language of their headers (`vi` or `en`); without it,
/// the request's `Accept-Language`, else English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    #[serde(default)]
    pub lang: Option<String>,
}

/// `GET /sittings/{id}/expected`: one delegation's delegates who are expected and have not
/// arrived (delegations and names in Vietnamese order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExpectedDelegation {
    pub delegation: String,
    /// On the roll (the delegation's eligible delegates).
    pub expected: i64,
    /// Of them, not arrived.
    pub missing: Vec<crate::DelegateRef>,
}

/// `POST /sittings/{id}/roll`: adds a delegate to an open sitting's eligible roll (admins, with a
/// reason); the roll is otherwise fixed when the sitting opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RollAddition {
    pub delegate_id: i64,
    pub reason: String,
}

/// The first server-sent event of a stream: the counts as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttendanceSnapshot {
    pub sitting_id: i64,
    pub eligible: i64,
    pub present: i64,
    #[serde(default)]
    pub basis: crate::QuorumBasis,
    #[serde(default)]
    pub checked_in: i64,
    #[serde(default)]
    pub in_hall: i64,
    pub required: i64,
    pub quorum_reached: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Checkin,
    /// A check-in taken back (a correction at the desk).
    Checkout,
    /// A checked-in delegate left the hall (exit kiosk or the desk).
    Exit,
    /// A delegate who had left came back in.
    Reentry,
}

impl EventKind {
    /// The server-sent event's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Checkin => "checkin",
            EventKind::Checkout => "checkout",
            EventKind::Exit => "exit",
            EventKind::Reentry => "reentry",
        }
    }
}

/// One change of attendance, as sent to dashboards over server-sent events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttendanceEvent {
    pub sitting_id: i64,
    pub kind: EventKind,
    pub delegate_id: i64,
    pub full_name: String,
    pub delegation: String,
    pub method: String,
    pub at: i64,
    pub eligible: i64,
    pub present: i64,
    #[serde(default)]
    pub checked_in: i64,
    #[serde(default)]
    pub in_hall: i64,
    pub required: i64,
    pub quorum_reached: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A kiosk saw a face that does not look live (a photo or a screen held up to it).
    SpoofSuspected,
}

/// The kiosk an alert comes from: its token's id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskRef {
    pub token_id: i64,
    pub name: String,
}

/// Something staff should look at now, sent to dashboards and desks as the `alert` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub sitting_id: i64,
    pub kind: AlertKind,
    pub kiosk: KioskRef,
    /// The delegate the face resembled, if it matched one confidently (whom the attack tried to
    /// check in). No photo is ever sent.
    pub delegate: Option<crate::DelegateRef>,
    /// The liveness score, 0 (a photo) to 1 (a live person).
    pub liveness: f32,
    /// Capture time, Unix milliseconds.
    pub at: i64,
}

/// `GET /audit/head`: the audit chain's newest entry. Published (in minutes, a report), it lets
/// anyone check later with `rollcall audit verify --head SEQ:HASH` that nothing before it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}
