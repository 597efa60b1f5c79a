//! Check-in -> who is in the hall: the desk's passages (a delegate marked out, or back in), with
//! the same record, audit and live event as a kiosk's.

use axum::http::StatusCode;
use rollcall_api::{EventKind, KioskDirection, Movement, Sitting, SittingStatus};
use rollcall_store::{MoveOutcome, Passing};

use crate::app::attendance::announce;
use crate::auth::Caller;
use crate::{AppError, AppState};

/// Records a passage by hand (`reason` already checked) for the open sitting: out of the hall,
/// or back in. A delegate without a check-in has nothing to move (409), an unknown one is 404.
pub(crate) async fn by_hand(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    delegate_id: i64,
    direction: KioskDirection,
    reason: &str,
) -> Result<MoveOutcome, AppError> {
    if sitting.status != SittingStatus::Open {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "sitting_not_open",
            "who is in the hall is recorded for the open sitting only",
        ));
    }
    if state.store.delegate(delegate_id).await?.is_none() {
        return Err(AppError::not_found("delegate"));
    }
    let now = chrono::Utc::now().timestamp_millis();
    let outcome = state
        .store
        .record_passage(Passing {
            sitting_id: sitting.id,
            delegate_id,
            direction,
            method: "manual",
            reason: Some(reason),
            actor: &caller.actor(),
            at_ms: now,
        })
        .await?;
    match outcome {
        MoveOutcome::NotCheckedIn => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "not_checked_in",
                "the delegate has not checked in to this sitting",
            ))
        }
        MoveOutcome::Already => {}
        MoveOutcome::Moved => {
            let (action, event) = match direction {
                KioskDirection::Exit => ("exit.manual", EventKind::Exit),
                KioskDirection::Entrance => ("reentry.manual", EventKind::Reentry),
            };
            state
                .store
                .audit(
                    &caller.actor(),
                    action,
                    &format!("delegate:{delegate_id}"),
                    &format!("sitting:{} reason:{reason}", sitting.id),
                )
                .await?;
            announce(state, sitting, event, delegate_id, "manual", now).await?;
        }
    }
    Ok(outcome)
}

/// The sitting's passages after check-ins, oldest first.
pub(crate) async fn movements(
    state: &AppState,
    sitting: &Sitting,
) -> Result<Vec<Movement>, AppError> {
    Ok(state.store.movements(sitting.id).await?)
}
