//! quorum -> record: the signed documents a sitting leaves behind for the votes it carries.
//!
//! A roll call ([`rollcall_api::RollCall`]) freezes who was present and eligible at one instant. The
//! server signs it with its Ed25519 key ([`ServerKey`], created at first start in a 0600 file) and
//! serves it in two forms, each signed over its exact bytes:
//!
//! - JSON: `{"roll_call":{...},"signature":{...}}` on one line ([`sign_json`]);
//! - CSV: the figures as `key,value` rows, then one row per delegate, then a last `signature` row
//!   over every byte before it ([`sign_csv`]).
//!
//! [`verify`] checks either form offline against the deployment's public keys (`GET /api/v1/keys`),
//! refusing a file with any byte changed. [`webhook`] signs deliveries to a voting system with
//! HMAC-SHA256. The cryptography is RustCrypto's and dalek's; nothing here implements a primitive.

mod csv_doc;
mod json_doc;
mod keys;
pub mod private_file;
pub mod sheet;
pub mod webhook;

use rollcall_api::RollCall;

pub use keys::{KeyError, PublicKeys, ServerKey};

/// Signature contexts: a signature over one form can never be passed off as one over the other.
const JSON_CONTEXT: &[u8] = b"rollcall roll call json v1\n";
const CSV_CONTEXT: &[u8] = b"rollcall roll call csv v1\n";

pub use csv_doc::sign_csv;
pub use json_doc::sign_json;

/// Why a file is not a valid roll call.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("not a roll call document: {0}")]
    Malformed(String),
    #[error("signed by key {0}, which is not among the given public keys")]
    UnknownKey(String),
    #[error("the signature does not match the content: the file was changed after it was signed")]
    BadSignature,
    #[error("unsupported signature algorithm {0:?}")]
    Algorithm(String),
}

/// A roll call whose signature checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub roll_call: RollCall,
    pub key_id: String,
    /// `json` or `csv`.
    pub form: &'static str,
}

/// Checks a roll call file (JSON or CSV, as served) against `keys`.
pub fn verify(file: &[u8], keys: &PublicKeys) -> Result<Verified, VerifyError> {
    if file.first() == Some(&b'{') {
        json_doc::verify(file, keys)
    } else {
        csv_doc::verify(file, keys)
    }
}

/// A spreadsheet cell that cannot run as a formula: a leading `= + - @`, tab or carriage return
/// gets an apostrophe in front (the OWASP advice for CSV injection).
pub(crate) fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
pub(crate) mod sample {
    use rollcall_api::{AuditHead, QuorumRule, QuorumSpec, RollCall, RollCallDelegate};

    /// Asserts that changing any one byte of a signed `file` (its lowest bit) makes it fail to verify.
    pub fn assert_every_byte_change_refused(file: &[u8], keys: &crate::PublicKeys) {
        for i in 0..file.len() {
            let mut changed = file.to_vec();
            changed[i] ^= 0x01;
            assert!(
                crate::verify(&changed, keys).is_err(),
                "byte {i} ({:?}) changed unnoticed",
                file[i] as char
            );
        }
    }

    pub fn roll_call() -> RollCall {
        RollCall {
            format: rollcall_api::ROLL_CALL_FORMAT.into(),
            id: 3,
            sitting_id: 1,
            sitting_name: "Plenary, \"first\" day".into(),
            quorum: QuorumSpec {
                numerator: 1,
                denominator: 2,
                rule: QuorumRule::MoreThan,
                basis: rollcall_api::QuorumBasis::InHall,
            },
            taken_at: 1_796_212_800_000,
            taken_by: "token:4".into(),
            eligible: 3,
            present: 2,
            required: 2,
            quorum_reached: true,
            audit_head: AuditHead {
                seq: 17,
                hash: "ab".repeat(32),
            },
            delegates: vec![
                RollCallDelegate {
                    delegate_id: 1,
                    external_id: "D-001".into(),
                    full_name: "Nguyễn Thị Phương Thảo".into(),
                    delegation: "Hà Tĩnh".into(),
                    method: "kiosk".into(),
                    checked_in_at: 1_796_212_000_000,
                },
                RollCallDelegate {
                    delegate_id: 2,
                    external_id: "D-002".into(),
                    full_name: "=HYPERLINK(\"x\")".into(),
                    delegation: "North,\nSouth".into(),
                    method: "manual".into(),
                    checked_in_at: 1_796_212_100_000,
                },
            ],
        }
    }
}
