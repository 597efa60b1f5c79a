//! Frame -> faces -> verdicts -> check-ins: one kiosk frame, every face in it, at an entrance or an
//! exit.

use std::time::Instant;

use axum::http::StatusCode;
use rollcall_api::{
    Alert, AlertKind, DelegateRef, EventKind, FaceAnswer, FrameAnswer, KioskDirection, KioskRef,
    Sitting,
};
use rollcall_checkin::{
    assess, passage, Assessment, Change, Match, Passage, Presence, Sighting, Verdict,
};
use rollcall_store::{CheckinOutcome, MoveOutcome, Passing};
use rollcall_vision::{Face, Purpose};

use crate::app::attendance::announce;
use crate::app::passages;
use crate::auth::Caller;
use crate::events::LiveEvent;
use crate::inference::Slot;
use crate::metrics::Metrics;
use crate::{AppError, AppState};

/// The answer this kiosk was already given for this frame id (a retry gets the same answer).
pub(crate) async fn answered(
    state: &AppState,
    caller: &Caller,
    frame_id: &str,
) -> Result<Option<FrameAnswer>, AppError> {
    match state
        .store
        .frame_response(caller.token_id, frame_id)
        .await?
    {
        Some(stored) => serde_json::from_str(&stored)
            .map(Some)
            .map_err(|e| AppError::Internal(format!("stored frame answer: {e}"))),
        None => Ok(None),
    }
}

/// Refuses a capture time outside the sitting's open time (with the configured clock skew): a frame
/// from before the sitting opened, or from the future, cannot count for it.
pub(crate) fn check_capture_time(
    state: &AppState,
    sitting: &Sitting,
    captured_at: i64,
) -> Result<(), AppError> {
    let skew = state.config.kiosk.max_clock_skew_ms;
    let now = chrono::Utc::now().timestamp_millis();
    let opened = sitting.opened_at.unwrap_or(now);
    if captured_at < opened - skew || captured_at > now + skew {
        let show = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.to_rfc3339())
        };
        return Err(AppError::unprocessable(
            "captured_at_out_of_range",
            format!(
                "captured_at {} is outside the open sitting \
                 ({} to now, {} s of clock skew allowed)",
                show(captured_at),
                show(opened),
                skew / 1000
            ),
        ));
    }
    Ok(())
}

/// The sitting kiosk frames count for: the open one.
pub(crate) async fn open_sitting(state: &AppState) -> Result<Sitting, AppError> {
    state.store.open_sitting_now().await?.ok_or_else(|| {
        AppError::new(
            StatusCode::CONFLICT,
            "no_open_sitting",
            "no sitting is open",
        )
    })
}

/// A place on the inference pool for one frame, taken before anything else is looked up or read:
/// when the pool is full, a kiosk is told to come back (503) at the cost of its request's header.
pub(crate) fn reserve(state: &AppState) -> Result<Slot, AppError> {
    state.inference.reserve().inspect_err(|_| {
        Metrics::inc(&state.metrics.busy);
    })
}

/// Recognises every face in `image` and decides each one; check-ins are committed, and the answer
/// stored under the frame id, before this returns.
pub(crate) async fn process(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    slot: Slot,
    image: Vec<u8>,
) -> Result<FrameAnswer, AppError> {
    let started = Instant::now();
    let faces = state
        .inference
        .analyze_in(slot, image, Purpose::Probe)
        .await?;
    state.metrics.inference_ns.fetch_add(
        started.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    Metrics::inc(&state.metrics.inference_count);

    let mut answers = Vec::new();
    for face in faces
        .iter()
        .filter(|f| f.quality.detector_score >= state.config.enrolment.min_detector_score)
    {
        let verdict = decide(state, caller, sitting, frame_id, captured_at, face).await?;
        state.metrics.face(verdict.status());
        let delegate = match verdict.delegate_id() {
            Some(id) => state
                .store
                .delegate(id)
                .await?
                .as_ref()
                .map(DelegateRef::from),
            None => None,
        };
        answers.push(FaceAnswer {
            bbox: face.box_xywh(),
            status: verdict.status(),
            delegate,
            score: verdict.score(),
        });
    }
    let answer = FrameAnswer {
        sitting_id: sitting.id,
        faces: answers,
    };
    let json = serde_json::to_string(&answer).map_err(|e| AppError::Internal(e.to_string()))?;
    // A concurrent duplicate of this frame may have stored its answer first: both get that one.
    let named: Vec<i64> = answer
        .faces
        .iter()
        .filter_map(|f| f.delegate.as_ref().map(|d| d.id))
        .collect();
    let stored = state
        .store
        .save_frame_response(caller.token_id, frame_id, &json, &named)
        .await?;
    serde_json::from_str(&stored)
        .map_err(|e| AppError::Internal(format!("stored frame answer: {e}")))
}

/// One face: the single-frame assessment (size, liveness, match), then where the delegate stands
/// and what a passage past this kiosk's door calls for (check in, back in, out, or nothing), then
/// the agreeing captures (confirmed?), then the record itself.
async fn decide(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    face: &Face,
) -> Result<Verdict, AppError> {
    let assessment = assess(
        &state.recognizer,
        face,
        &state.config.recognition,
        &state.config.liveness,
    )?;
    if let Assessment::Spoof {
        liveness,
        resembles,
    } = assessment
    {
        alert_spoof(
            state,
            caller,
            sitting,
            frame_id,
            captured_at,
            liveness,
            resembles,
        )
        .await?;
        return Ok(Verdict::unrecorded(assessment, None));
    }
    let Assessment::Recognised(m) = assessment else {
        return Ok(Verdict::unrecorded(assessment, None));
    };
    let change = match door_passage(state, caller, sitting, m.delegate_id).await? {
        Passage::Unchanged(standing) => return Ok(Verdict::unrecorded(assessment, Some(standing))),
        Passage::Record(change) => change,
    };
    let confirmed = state.decider.observe(Sighting {
        sitting: sitting.id,
        kiosk: caller.token_id,
        delegate: m.delegate_id,
        at_ms: captured_at,
        frame_id,
        embedding: &face.embedding,
    });
    if !confirmed {
        return Ok(Verdict::unrecorded(assessment, None));
    }
    let recorded = match change {
        Change::CheckIn => check_in(state, caller, sitting, frame_id, captured_at, m).await?,
        Change::Return | Change::Leave => {
            pass(state, caller, sitting, frame_id, captured_at, m, change).await?
        }
    };
    // Someone else recorded the same change first (another kiosk, the desk): the answer says
    // where the delegate stands now.
    Ok(if recorded {
        Verdict::recorded(change, m)
    } else {
        match door_passage(state, caller, sitting, m.delegate_id).await? {
            Passage::Unchanged(standing) => Verdict::unrecorded(assessment, Some(standing)),
            Passage::Record(_) => Verdict::unrecorded(assessment, None),
        }
    })
}

/// What passing this kiosk's door means for the delegate, from where they stand now.
async fn door_passage(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    delegate_id: i64,
) -> Result<Passage, AppError> {
    let standing = Presence::from_row(state.store.in_hall(sitting.id, delegate_id).await?);
    Ok(passage(caller.direction(), standing))
}

/// A confirmed first entrance: the check-in and its audit entry (one transaction), announced. False when the delegate was
/// checked in meanwhile.
async fn check_in(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    m: Match,
) -> Result<bool, AppError> {
    let outcome = state
        .store
        .check_in(
            sitting.id,
            m.delegate_id,
            "kiosk",
            Some(f64::from(m.score)),
            None,
            &caller.actor(),
            captured_at,
            &format!("frame:{frame_id}"),
        )
        .await?;
    if let CheckinOutcome::Already(_) = outcome {
        return Ok(false);
    }
    announce(
        state,
        sitting,
        EventKind::Checkin,
        m.delegate_id,
        "kiosk",
        captured_at,
    )
    .await?;
    Ok(true)
}

/// A confirmed passage of a checked-in delegate, out or back in: recorded, audited, announced.
/// False when another kiosk or the desk recorded it first.
async fn pass(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    m: Match,
    change: Change,
) -> Result<bool, AppError> {
    let direction = match change {
        Change::Leave => KioskDirection::Exit,
        Change::Return | Change::CheckIn => KioskDirection::Entrance,
    };
    let actor = caller.actor();
    let passing = Passing {
        sitting_id: sitting.id,
        delegate_id: m.delegate_id,
        direction,
        method: "kiosk",
        reason: None,
        actor: &actor,
        at_ms: captured_at,
    };
    let outcome =
        passages::record(state, sitting, passing, &format!("frame:{frame_id}"), None).await?;
    Ok(outcome == MoveOutcome::Moved)
}

/// A suspected presentation attack: audited (ids only) and sent to the staff's screens.
async fn alert_spoof(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    liveness: f32,
    resembles: Option<Match>,
) -> Result<(), AppError> {
    let delegate = match resembles {
        Some(m) => state.store.delegate(m.delegate_id).await?,
        None => None,
    };
    let subject = delegate.as_ref().map_or_else(
        || "delegate:none".to_string(),
        |d| format!("delegate:{}", d.id),
    );
    state
        .store
        .audit(
            &caller.actor(),
            "liveness.spoof_suspected",
            &subject,
            &format!(
                "sitting:{} frame:{frame_id} liveness:{liveness:.3}",
                sitting.id
            ),
        )
        .await?;
    tracing::warn!(
        kiosk = caller.token_id,
        sitting = sitting.id,
        subject = %subject,
        liveness,
        "suspected presentation attack"
    );
    state.events.publish(LiveEvent::Alert(Alert {
        sitting_id: sitting.id,
        kind: AlertKind::SpoofSuspected,
        kiosk: KioskRef {
            token_id: caller.token_id,
            name: caller.token_name.clone(),
        },
        delegate: delegate.as_ref().map(DelegateRef::from),
        liveness,
        at: captured_at,
    }));
    Ok(())
}
