//! Check-in -> who is in the hall: every passage after a check-in, a kiosk's or the desk's (a
//! delegate marked out, or back in), recorded, audited and announced the same way.

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
    let actor = caller.actor();
    let passing = Passing {
        sitting_id: sitting.id,
        delegate_id,
        direction,
        method: "manual",
        reason: Some(reason),
        actor: &actor,
        at_ms: chrono::Utc::now().timestamp_millis(),
    };
    let outcome = record(state, sitting, passing, "", Some(reason)).await?;
    if outcome == MoveOutcome::NotCheckedIn {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "not_checked_in",
            "the delegate has not checked in to this sitting",
        ));
    }
    Ok(outcome)
}

/// Records one passage of a checked-in delegate, a kiosk's or the desk's, and when it changed
/// something audits it (`exit.kiosk`, `reentry.manual`...: ids, `detail`, and a reason by hand
/// by its digest: `reasons`) and announces the new counts.
pub(crate) async fn record(
    state: &AppState,
    sitting: &Sitting,
    p: Passing<'_>,
    detail: &str,
    reason: Option<&str>,
) -> Result<MoveOutcome, AppError> {
    let outcome = state.store.record_passage(p).await?;
    if outcome == MoveOutcome::Moved {
        let (action, event) = match p.direction {
            KioskDirection::Exit => ("exit", EventKind::Exit),
            KioskDirection::Entrance => ("reentry", EventKind::Reentry),
        };
        let action = format!("{action}.{}", p.method);
        let detail = format!("sitting:{} {detail}", sitting.id);
        match reason {
            Some(reason) => {
                state
                    .store
                    .audit_with_reason(p.actor, &action, p.delegate_id, detail.trim_end(), reason)
                    .await?;
            }
            None => {
                state
                    .store
                    .audit(
                        p.actor,
                        &action,
                        &format!("delegate:{}", p.delegate_id),
                        &detail,
                    )
                    .await?;
            }
        }
        announce(state, sitting, event, p.delegate_id, p.method, p.at_ms).await?;
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
