use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AuditHead, QuorumSpec};

/// What a roll call document says it is; a verifier refuses any other.
pub const ROLL_CALL_FORMAT: &str = "rollcall.roll-call.v1";

/// One present, eligible delegate frozen into a roll call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RollCallDelegate {
    pub delegate_id: i64,
    /// The assembly's own id for the delegate (badge or card number): what a voting system keys on.
    pub external_id: String,
    pub full_name: String,
    pub delegation: String,
    /// `kiosk` or `manual`.
    pub method: String,
    /// Unix milliseconds.
    pub checked_in_at: i64,
}

/// `POST /sittings/{id}/roll-calls`: who was present and eligible at one instant, for a vote. Frozen
/// when taken, signed by the server, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RollCall {
    /// Always [`ROLL_CALL_FORMAT`].
    pub format: String,
    pub id: i64,
    pub sitting_id: i64,
    pub sitting_name: String,
    pub quorum: QuorumSpec,
    /// Unix milliseconds.
    pub taken_at: i64,
    /// The token that took it (`token:ID`).
    pub taken_by: String,
    pub eligible: i64,
    pub present: i64,
    pub required: i64,
    pub quorum_reached: bool,
    /// The audit chain's newest entry when the roll call was taken: `rollcall audit verify --head
    /// SEQ:HASH` checks later that nothing recorded before it has changed.
    pub audit_head: AuditHead,
    /// Present, eligible delegates, in check-in order.
    pub delegates: Vec<RollCallDelegate>,
}

/// An Ed25519 signature over a roll call document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentSignature {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Names the server key that signed (see `GET /keys`).
    pub key_id: String,
    /// Base64 (standard, padded).
    pub value: String,
}

/// A roll call as served in JSON: the document and its signature over the document's exact bytes
/// (`rollcall verify FILE` checks it offline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignedRollCall {
    pub roll_call: RollCall,
    pub signature: DocumentSignature,
}

/// Where the webhook delivery of a roll call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    /// The receiver answered 2xx once; never sent again.
    Delivered,
    /// Every attempt failed; an admin may retry it.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// The delivery of one roll call to the configured webhook (admins see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    pub roll_call_id: i64,
    pub url: String,
    pub state: DeliveryState,
    pub attempts: i64,
    /// The last HTTP status the receiver answered, if it answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Unix milliseconds.
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// A roll call in a sitting's list: the figures without the names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RollCallSummary {
    pub id: i64,
    pub sitting_id: i64,
    pub taken_at: i64,
    pub taken_by: String,
    pub eligible: i64,
    pub present: i64,
    pub required: i64,
    pub quorum_reached: bool,
    pub audit_head: AuditHead,
    /// Its webhook delivery, when a webhook is configured (admins only; absent for others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<WebhookDelivery>,
}

/// `GET /keys`: a public key this deployment signs roll calls with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicKeyInfo {
    pub key_id: String,
    /// Always `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, base64 (standard, padded).
    pub public_key: String,
    /// Unix milliseconds: when a server first signed with it.
    pub created_at: i64,
}
