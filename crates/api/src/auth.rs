use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a token may do. Each token has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sittings, erasure, everything staff may do.
    Admin,
    /// The enrolment desk: delegates, photos, manual check-ins.
    Staff,
    /// A check-in kiosk: posts frames, nothing else.
    Kiosk,
    /// Watches attendance and quorum.
    Presidium,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Kiosk, Role::Presidium];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Kiosk => "kiosk",
            Role::Presidium => "presidium",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a kiosk is told to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KioskSettings {
    /// Frames per second a kiosk sends at most.
    pub fps: f64,
    /// Frames are downscaled to this width before upload.
    pub frame_width: u32,
}

/// `GET /api/v1/session`: who a token belongs to (the web pages' login check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub role: Role,
    pub kiosk: KioskSettings,
    /// A kiosk token's direction (entrance or exit); absent for other roles.
    #[serde(default)]
    pub direction: Option<crate::KioskDirection>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(Role::parse("root"), None);
    }
}

/// `POST /tokens`: a new token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// What it is for ("door A", "desk 1"): shown in alerts and the token list; 1 to 100 characters.
    pub name: String,
    pub role: Role,
    /// When it stops working, Unix milliseconds; absent: until revoked.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// A kiosk's direction, default `entrance`; only kiosk tokens have one.
    #[serde(default)]
    pub direction: Option<crate::KioskDirection>,
}

/// A token as the admins' list shows it: never the secret, never its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Unix milliseconds.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// To the minute.
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Neither revoked nor expired.
    pub active: bool,
    /// A kiosk token's direction; absent for other roles.
    #[serde(default)]
    pub direction: Option<crate::KioskDirection>,
}

/// `POST /tokens` answer: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    pub info: TokenInfo,
}
