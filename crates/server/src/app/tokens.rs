//! Tokens for admins: list, create (the secret shown once), revoke. A revoked token is refused on
//! its next request, and an event stream open with it ends at once on this server (and within
//! [`STREAM_RECHECK`] on the others that share the database).

use std::time::Duration;

use rollcall_api::{CreatedToken, NewToken, Role, TokenInfo};
use rollcall_store::TokenRecord;

use crate::auth::{hash_token, new_token, Caller};
use crate::events::LiveEvent;
use crate::{AppError, AppState};

/// How often an open event stream asks the database whether its token is still valid.
pub(crate) const STREAM_RECHECK: Duration = Duration::from_secs(10);

const MAX_NAME_CHARS: usize = 100;

pub(crate) fn info(t: &TokenRecord, now: i64) -> Result<TokenInfo, AppError> {
    Ok(TokenInfo {
        id: t.id,
        name: t.name.clone(),
        role: Role::parse(&t.role)
            .ok_or_else(|| AppError::Internal(format!("token {} has role {:?}", t.id, t.role)))?,
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
        active: t.is_active(now),
        direction: t.direction,
    })
}

pub(crate) async fn list(state: &AppState) -> Result<Vec<TokenInfo>, AppError> {
    let now = rollcall_store::now_ms();
    state
        .store
        .tokens()
        .await?
        .iter()
        .map(|t| info(t, now))
        .collect()
}

pub(crate) async fn create(
    state: &AppState,
    caller: &Caller,
    new: NewToken,
) -> Result<CreatedToken, AppError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::unprocessable(
            "invalid_name",
            format!("a token needs a name of 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let now = rollcall_store::now_ms();
    if new.expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::unprocessable(
            "invalid_expiry",
            "expires_at (Unix milliseconds) must lie in the future",
        ));
    }
    if new.direction.is_some() && new.role != Role::Kiosk {
        return Err(AppError::unprocessable(
            "invalid_direction",
            "only a kiosk token has a direction (entrance or exit)",
        ));
    }
    let secret = new_token();
    let record = state
        .store
        .create_token(
            name,
            new.role.as_str(),
            &hash_token(&secret),
            new.expires_at,
            new.direction,
        )
        .await?;
    state
        .store
        .audit(
            &caller.actor(),
            "token.create",
            &format!("token:{}", record.id),
            &match record.direction {
                Some(d) => format!("role:{} direction:{}", new.role.as_str(), d.as_str()),
                None => format!("role:{}", new.role.as_str()),
            },
        )
        .await?;
    Ok(CreatedToken {
        token: secret,
        info: info(&record, now)?,
    })
}

pub(crate) async fn revoke(state: &AppState, caller: &Caller, id: i64) -> Result<(), AppError> {
    if state.store.token(id).await?.is_none() {
        return Err(AppError::not_found("token"));
    }
    if state.store.revoke_token(id).await? {
        state
            .store
            .audit(&caller.actor(), "token.revoke", &format!("token:{id}"), "")
            .await?;
        state.events.publish(LiveEvent::TokenRevoked(id));
    }
    Ok(())
}

/// Whether the caller's token is still valid (for long-lived responses such as event streams).
pub(crate) async fn still_valid(state: &AppState, token_id: i64) -> bool {
    match state.store.token(token_id).await {
        Ok(Some(t)) => t.is_active(rollcall_store::now_ms()),
        Ok(None) => false,
        // A database hiccup does not end a stream; the next check decides.
        Err(_) => true,
    }
}
