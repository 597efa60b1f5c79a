//! Bearer tokens with one role each. Tokens are 32 random bytes shown once; the database keeps only
//! their SHA-256 (a high-entropy secret needs no slow hash).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use rand::RngCore;
pub use rollcall_api::Role;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::{AppState, Metrics};

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("rc_{}", hex::encode(bytes))
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    /// The token's name ("door A", "desk 1"): for alerts that say where something happened.
    pub token_name: String,
    pub role: Role,
    /// A kiosk token's door; `None` for other roles.
    pub door: Option<rollcall_api::KioskDirection>,
}

impl Caller {
    /// Which way this kiosk faces (an entrance unless its token says exit).
    pub fn direction(&self) -> rollcall_api::KioskDirection {
        self.door.unwrap_or_default()
    }

    /// For audit records: the token, never a person's name.
    pub fn actor(&self) -> String {
        format!("token:{}", self.token_id)
    }

    pub fn require(&self, allowed: &[Role]) -> Result<(), AppError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            Err(AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the role {}", names.join(" or ")),
            ))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <token>"))?;
        // Requests routed without the accept loop (in-process tests) have no address to count.
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(retry_after) = client.and_then(|ip| state.auth_failures.blocked(ip)) {
            return Err(AppError::AuthFailures { retry_after });
        }
        let fail = |message: &'static str| {
            if let Some(ip) = client {
                Metrics::inc(&state.metrics.auth_failures);
                if state.auth_failures.record(ip) {
                    tracing::warn!(client = %ip, "failed authentications over the limit");
                }
            }
            unauthorized(message)
        };
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| fail("Authorization must be Bearer <token>"))?;
        let record = state
            .store
            .token_by_hash(&hash_token(token))
            .await?
            .ok_or_else(|| fail("unknown or revoked token"))?;
        touch(state, &record).await;
        let role = Role::parse(&record.role).ok_or_else(|| {
            AppError::Internal(format!("token {} has role {:?}", record.id, record.role))
        })?;
        Ok(Caller {
            token_id: record.id,
            token_name: record.name,
            role,
            door: record.direction,
        })
    }
}

fn unauthorized(message: &'static str) -> AppError {
    AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Records the token's use (at most once a minute) without making the request wait for a write:
/// normally done before the answer leaves; with the database write-locked, it finishes (or fails,
/// logged) in the background while the request, a read perhaps, goes on.
async fn touch(state: &AppState, record: &rollcall_store::TokenRecord) {
    // Most requests (a kiosk's frames) come well within the minute: no task for them.
    if !record.last_use_is_stale(rollcall_store::now_ms()) {
        return;
    }
    let (store, record) = (state.store.clone(), record.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = store.touch_token(&record).await {
            tracing::debug!(token = record.id, error = %e, "last use not recorded");
        }
    });
    let _ = tokio::time::timeout(std::time::Duration::from_millis(50), task).await;
}

/// Route-level role sets, so that each handler states who may call it in one line.
pub mod allow {
    use super::Role::{self, *};
    pub const STAFF: &[Role] = &[Staff, Admin];
    pub const READ_DELEGATES: &[Role] = &[Staff, Presidium, Admin];
    pub const ADMIN: &[Role] = &[Admin];
    pub const KIOSK: &[Role] = &[Kiosk];
    pub const ATTENDANCE: &[Role] = &[Presidium, Staff, Admin];
    pub const AUDIT: &[Role] = &[Presidium, Admin];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
    }
}
