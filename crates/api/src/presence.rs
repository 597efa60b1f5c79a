//! Who is in the hall now: entrance and exit kiosks, the desk's check-out, and which count a
//! sitting's quorum takes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which way a kiosk faces: people walking in (checked in, or back in) or walking out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskDirection {
    #[default]
    Entrance,
    Exit,
}

impl KioskDirection {
    pub const ALL: [KioskDirection; 2] = [KioskDirection::Entrance, KioskDirection::Exit];

    pub fn as_str(self) -> &'static str {
        match self {
            KioskDirection::Entrance => "entrance",
            KioskDirection::Exit => "exit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Which delegates a sitting's quorum counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuorumBasis {
    /// Every eligible delegate who checked in, whether or not they have left since (the record).
    #[default]
    CheckedIn,
    /// Eligible delegates checked in and not seen leaving since: who is in the hall now.
    InHall,
}

impl QuorumBasis {
    pub const ALL: [QuorumBasis; 2] = [QuorumBasis::CheckedIn, QuorumBasis::InHall];

    pub fn as_str(self) -> &'static str {
        match self {
            QuorumBasis::CheckedIn => "checked_in",
            QuorumBasis::InHall => "in_hall",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn is_default(&self) -> bool {
        *self == QuorumBasis::default()
    }
}

/// `POST /sittings/{id}/checkouts`: the desk marks a checked-in delegate as having left the hall.
/// The check-in stays in the record; the next entrance sighting (or a manual check-in) brings
/// them back in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManualCheckout {
    pub delegate_id: i64,
    /// Why the desk marks them out (1 to 500 characters; audited).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// Marked as out of the hall.
    CheckedOut,
    /// Was already out.
    AlreadyOut,
}

/// `POST /sittings/{id}/checkouts` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManualCheckoutAnswer {
    pub status: CheckoutStatus,
    pub delegate_id: i64,
}

/// One passage through the doors after a check-in: out, or back in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Movement {
    pub delegate_id: i64,
    /// `exit` (left the hall) or `entrance` (came back in).
    pub direction: KioskDirection,
    /// `kiosk` or `manual`.
    pub method: String,
    /// Unix milliseconds (the frame's capture time for kiosks).
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in KioskDirection::ALL {
            assert_eq!(KioskDirection::parse(d.as_str()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
        for b in QuorumBasis::ALL {
            assert_eq!(QuorumBasis::parse(b.as_str()), Some(b));
            assert_eq!(serde_json::to_value(b).unwrap(), b.as_str());
        }
        assert_eq!(QuorumBasis::parse("present"), None);
        assert_eq!(QuorumBasis::default(), QuorumBasis::CheckedIn);
    }
}
