//! Frame -> faces -> verdicts -> check-ins: one kiosk frame, every face in it.

use std::time::Instant;

use axum::http::StatusCode;
use rollcall_api::{DelegateRef, EventKind, FaceAnswer, FrameAnswer, Sitting};
use rollcall_checkin::{assess, Assessment, Verdict};
use rollcall_store::CheckinOutcome;
use rollcall_vision::{Face, Purpose};

use crate::app::attendance::announce;
use crate::auth::Caller;
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

/// Recognises every face in `image` and decides each one; check-ins are committed, and the answer
/// stored under the frame id, before this returns.
pub(crate) async fn process(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    image: Vec<u8>,
) -> Result<FrameAnswer, AppError> {
    let started = Instant::now();
    let faces = state
        .inference
        .analyze(image, Purpose::Probe)
        .await
        .inspect_err(|e| {
            if matches!(e, AppError::Busy) {
                Metrics::inc(&state.metrics.busy);
            }
        })?;
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
    let stored = state
        .store
        .save_frame_response(caller.token_id, frame_id, &json)
        .await?;
    serde_json::from_str(&stored)
        .map_err(|e| AppError::Internal(format!("stored frame answer: {e}")))
}

/// One face: the single-frame assessment, then the roll (already checked in?) and the agreeing
/// frames (confirmed?), then the check-in itself.
async fn decide(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    face: &Face,
) -> Result<Verdict, AppError> {
    let assessment = assess(&state.recognizer, face, &state.config.recognition)?;
    let Assessment::Recognised(m) = assessment else {
        return Ok(Verdict::without_checkin(assessment, false));
    };
    if state.store.is_checked_in(sitting.id, m.delegate_id).await? {
        return Ok(Verdict::without_checkin(assessment, true));
    }
    if !state
        .decider
        .observe(caller.token_id, m.delegate_id, captured_at, frame_id)
    {
        return Ok(Verdict::without_checkin(assessment, false));
    }
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
        )
        .await?;
    Ok(match outcome {
        CheckinOutcome::New(_) => {
            announce(
                state,
                sitting,
                EventKind::Checkin,
                m.delegate_id,
                "kiosk",
                captured_at,
            )
            .await?;
            Verdict::CheckedIn {
                delegate_id: m.delegate_id,
                score: m.score,
            }
        }
        CheckinOutcome::Already(_) => Verdict::without_checkin(assessment, true),
    })
}
