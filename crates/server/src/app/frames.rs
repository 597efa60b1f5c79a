//! Frame -> faces -> verdicts -> check-ins: one kiosk frame, every face in it.

use std::time::Instant;

use axum::http::StatusCode;
use rollcall_api::{
    Alert, AlertKind, DelegateRef, EventKind, FaceAnswer, FrameAnswer, KioskRef, Sitting,
};
use rollcall_checkin::{assess, Assessment, Sighting, Verdict};
use rollcall_store::CheckinOutcome;
use rollcall_vision::{Face, Purpose};

use crate::app::attendance::announce;
use crate::auth::Caller;
use crate::events::LiveEvent;
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

/// One face: the single-frame assessment (size, liveness, match), then the roll (already checked
/// in?) and the agreeing captures (confirmed?), then the check-in itself.
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
        return Ok(Verdict::without_checkin(assessment, false));
    }
    let Assessment::Recognised(m) = assessment else {
        return Ok(Verdict::without_checkin(assessment, false));
    };
    if state.store.is_checked_in(sitting.id, m.delegate_id).await? {
        return Ok(Verdict::without_checkin(assessment, true));
    }
    let confirmed = state.decider.observe(Sighting {
        sitting: sitting.id,
        kiosk: caller.token_id,
        delegate: m.delegate_id,
        at_ms: captured_at,
        frame_id,
        embedding: &face.embedding,
    });
    if !confirmed {
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
            state
                .store
                .audit(
                    &caller.actor(),
                    "checkin.kiosk",
                    &format!("delegate:{}", m.delegate_id),
                    &format!("sitting:{} frame:{frame_id}", sitting.id),
                )
                .await?;
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

/// A suspected presentation attack: audited (ids only) and sent to the staff's screens.
async fn alert_spoof(
    state: &AppState,
    caller: &Caller,
    sitting: &Sitting,
    frame_id: &str,
    captured_at: i64,
    liveness: f32,
    resembles: Option<rollcall_checkin::Match>,
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
