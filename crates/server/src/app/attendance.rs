//! Check-in -> quorum: attendance figures and the live events that carry them.

use rollcall_api::{Attendance, AttendanceEvent, EventKind, Sitting};
use rollcall_checkin::quorum;

use crate::events::LiveEvent;
use crate::{AppError, AppState};

pub(crate) async fn sitting(state: &AppState, id: i64) -> Result<Sitting, AppError> {
    state
        .store
        .sitting(id)
        .await?
        .ok_or_else(|| AppError::not_found("sitting"))
}

/// The sitting's attendance and quorum from what the store recorded.
pub(crate) async fn attendance(
    state: &AppState,
    sitting: &Sitting,
) -> Result<Attendance, AppError> {
    let counts = state.store.delegation_counts(sitting).await?;
    let checkins = state.store.checkins(sitting).await?;
    let amendments = state.store.amendments(sitting.id).await?;
    Ok(quorum::attendance(sitting, counts, checkins, amendments))
}

/// Publishes the new counts after a check-in or a correction.
pub(crate) async fn announce(
    state: &AppState,
    sitting: &Sitting,
    kind: EventKind,
    delegate_id: i64,
    method: &str,
    at: i64,
) -> Result<(), AppError> {
    let att = attendance(state, sitting).await?;
    let d = state.store.delegate(delegate_id).await?;
    state.events.publish(LiveEvent::Attendance(AttendanceEvent {
        sitting_id: sitting.id,
        kind,
        delegate_id,
        full_name: d.as_ref().map(|d| d.full_name.clone()).unwrap_or_default(),
        delegation: d.map(|d| d.delegation).unwrap_or_default(),
        method: method.to_string(),
        at,
        eligible: att.eligible,
        present: att.present,
        required: att.required,
        quorum_reached: att.quorum_reached,
    }));
    Ok(())
}
