//! quorum -> record: a roll call freezes the present, eligible delegates of an open sitting with its
//! counts, quorum and the audit chain's head, signed in JSON and CSV, and queues its delivery to
//! the voting system.

use rollcall_api::{RollCall, RollCallSummary, Sitting, SittingStatus, ROLL_CALL_FORMAT};
use rollcall_record::{sign_csv, sign_json};
use rollcall_store::{now_ms, RollCallDocs, RollCallFigures};

use crate::app::attendance::attendance;
use crate::auth::Caller;
use crate::events::LiveEvent;
use crate::{AppError, AppState};

/// Takes a roll call of `sitting` now; returns its signed JSON document.
pub(crate) async fn take(
    state: &AppState,
    sitting: &Sitting,
    caller: &Caller,
) -> Result<(i64, String), AppError> {
    if sitting.status != SittingStatus::Open {
        return Err(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "sitting_not_open",
            "a roll call is taken while the sitting is open",
        ));
    }
    let att = attendance(state, sitting).await?;
    let delegates = state.store.present_on_roll(sitting).await?;
    let figures = RollCallFigures {
        eligible: att.eligible,
        present: att.present,
        required: att.required,
        quorum_reached: att.quorum_reached,
    };
    let taken_at = now_ms();
    let taken_by = caller.actor();
    let signer = state.signer.clone();
    let webhook = state.webhook.as_ref().map(|w| w.url().to_string());
    let (summary, json) = state
        .store
        .take_roll_call(
            sitting.id,
            &taken_by,
            taken_at,
            figures,
            webhook.as_deref(),
            |id, audit_head| {
                let roll_call = RollCall {
                    format: ROLL_CALL_FORMAT.into(),
                    id,
                    sitting_id: sitting.id,
                    sitting_name: sitting.name.clone(),
                    quorum: rollcall_api::QuorumSpec {
                        numerator: sitting.quorum_numerator,
                        denominator: sitting.quorum_denominator,
                        rule: sitting.quorum_rule,
                        basis: sitting.quorum_basis,
                    },
                    taken_at,
                    taken_by: taken_by.clone(),
                    eligible: figures.eligible,
                    present: figures.present,
                    required: figures.required,
                    quorum_reached: figures.quorum_reached,
                    audit_head,
                    delegates,
                };
                RollCallDocs {
                    json: sign_json(&roll_call, &signer),
                    csv: sign_csv(&roll_call, &signer),
                    key_id: signer.key_id().to_string(),
                }
            },
        )
        .await?;
    if let Some(w) = &state.webhook {
        w.wake();
    }
    let id = summary.id;
    state.events.publish(LiveEvent::RollCall(summary));
    Ok((id, json))
}

/// A sitting's roll calls; admins also see each one's webhook delivery.
pub(crate) async fn list(
    state: &AppState,
    sitting_id: i64,
    with_delivery: bool,
) -> Result<Vec<RollCallSummary>, AppError> {
    let mut list = state.store.roll_calls(sitting_id).await?;
    if with_delivery {
        let deliveries = state.store.sitting_deliveries(sitting_id).await?;
        for r in &mut list {
            r.delivery = deliveries
                .iter()
                .rev()
                .find(|d| d.roll_call_id == r.id)
                .cloned();
        }
    }
    Ok(list)
}
