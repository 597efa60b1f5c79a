//! Check-in -> quorum: attendance figures and the live events that carry them.

use rollcall_api::{Attendance, AttendanceEvent, EventKind, ExpectedDelegation, Sitting};
use rollcall_checkin::quorum;
use rollcall_i18n::Lang;
use rollcall_record::sheet::{Cell, Sheet};

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

/// Who is expected and has not arrived, by delegation: every delegation on the roll (those
/// complete with no one missing), delegations and names in Vietnamese order.
pub(crate) async fn expected(
    state: &AppState,
    sitting: &Sitting,
) -> Result<Vec<ExpectedDelegation>, AppError> {
    let counts = state.store.delegation_counts(sitting).await?;
    let mut missing = state.store.not_arrived(sitting).await?;
    let order = rollcall_names::NameOrder::new();
    missing.sort_by(|a, b| {
        order
            .compare(&a.full_name, &b.full_name)
            .then(a.id.cmp(&b.id))
    });
    let mut out: Vec<ExpectedDelegation> = counts
        .into_iter()
        .map(|c| ExpectedDelegation {
            missing: missing
                .iter()
                .filter(|d| d.delegation == c.delegation)
                .cloned()
                .collect(),
            delegation: c.delegation,
            expected: c.eligible,
        })
        .collect();
    out.sort_by(|a, b| order.compare_text(&a.delegation, &b.delegation));
    Ok(out)
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
        checked_in: att.checked_in,
        in_hall: att.in_hall,
        required: att.required,
        quorum_reached: att.quorum_reached,
    }));
    Ok(())
}

/// The attendance as a table for a spreadsheet, its headers in `lang`: one row per check-in, then
/// one per amendment (after the rows they changed, marked as such).
pub(crate) fn sheet(sitting: &Sitting, att: &Attendance, lang: Lang) -> Sheet {
    let mut rows: Vec<Vec<Cell>> = att
        .checkins
        .iter()
        .map(|c| {
            vec![
                Cell::Int(c.delegate_id),
                Cell::Text(c.full_name.clone()),
                Cell::Text(c.delegation.clone()),
                Cell::Text(c.method.clone()),
                Cell::Time(c.checked_in_at),
            ]
        })
        .collect();
    rows.extend(att.amendments.iter().map(|a| {
        vec![
            Cell::Int(a.delegate_id),
            Cell::Text(lang.say(
                "export-amended-by",
                &[("actor", a.actor.as_str()), ("reason", a.reason.as_str())],
            )),
            Cell::Empty,
            Cell::Text(format!("amendment:{}", a.action.as_str())),
            Cell::Time(a.at),
        ]
    }));
    Sheet {
        title: sitting.name.clone(),
        headers: [
            "export-delegate-id",
            "export-full-name",
            "export-delegation",
            "export-method",
            "export-checked-in-at",
        ]
        .map(|id| lang.say(id, &[]))
        .to_vec(),
        rows,
    }
}
