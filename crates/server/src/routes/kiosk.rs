use std::time::Instant;

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::Json;
use rollcall_store::CheckinOutcome;
use serde::Deserialize;
use serde_json::{json, Value};

use super::read_body;
use super::sittings::announce;
use crate::auth::{allow, Caller};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::openapi::{ErrorBody, FrameAnswer};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct FrameQuery {
    kiosk_frame_id: String,
    captured_at: Option<String>,
}

/// One kiosk frame: every face in it with its status. Retries with the same `kiosk_frame_id` get the
/// stored answer; check-ins are committed before the answer is sent.
#[utoipa::path(post, path = "/api/v1/kiosk/frames", tag = "check-in",
    params(("kiosk_frame_id" = String, Query, description = "the kiosk's own unique id of the frame"), ("captured_at" = Option<String>, Query, description = "RFC 3339")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = FrameAnswer), (status = 409, description = "no open sitting", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, description = "busy; Retry-After", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn frame(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FrameQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Result<Json<Value>, AppError> {
    caller.require(allow::KIOSK)?;
    let Query(q) = query.map_err(|e| AppError::bad_request("invalid_query", e.body_text()))?;
    if q.kiosk_frame_id.is_empty() || q.kiosk_frame_id.len() > 128 {
        return Err(AppError::bad_request(
            "invalid_frame_id",
            "kiosk_frame_id must be 1 to 128 characters",
        ));
    }
    let captured_at = match &q.captured_at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| {
                AppError::bad_request(
                    "invalid_captured_at",
                    format!("captured_at must be RFC 3339: {e}"),
                )
            })?
            .timestamp_millis(),
        None => chrono::Utc::now().timestamp_millis(),
    };
    Metrics::inc(&state.metrics.frames);
    if let Some(previous) = state
        .store
        .frame_response(caller.token_id, &q.kiosk_frame_id)
        .await?
    {
        Metrics::inc(&state.metrics.frames_replayed);
        return serde_json::from_str(&previous)
            .map(Json)
            .map_err(|e| AppError::Internal(e.to_string()));
    }
    let sitting = state.store.open_sitting_now().await?.ok_or_else(|| {
        AppError::new(
            StatusCode::CONFLICT,
            "no_open_sitting",
            "no sitting is open",
        )
    })?;
    let image = read_body(&state, req).await?;
    let started = Instant::now();
    let faces = state
        .recognizer
        .analyze(image, rollcall_vision::Purpose::Probe)
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

    let rec = &state.config.recognition;
    let mut out = Vec::new();
    for face in faces
        .iter()
        .filter(|f| f.quality.detector_score >= state.config.enrolment.min_detector_score)
    {
        let (status, delegate, score) = if face.quality.inter_eye < rec.min_inter_eye {
            ("rejected", None, None)
        } else {
            match state.recognizer.best_match(&face.embedding)? {
                Some(m) if m.score >= m.threshold && m.score - m.runner_up >= rec.margin => {
                    if state.store.is_checked_in(sitting.id, m.delegate_id).await? {
                        ("already_checked_in", Some(m.delegate_id), Some(m.score))
                    } else if state.decider.observe(
                        caller.token_id,
                        m.delegate_id,
                        captured_at,
                        &q.kiosk_frame_id,
                    ) {
                        match state
                            .store
                            .check_in(
                                sitting.id,
                                m.delegate_id,
                                "kiosk",
                                Some(m.score as f64),
                                None,
                                &caller.actor(),
                                captured_at,
                            )
                            .await?
                        {
                            CheckinOutcome::New(_) => {
                                announce(
                                    &state,
                                    &sitting,
                                    "checkin",
                                    m.delegate_id,
                                    "kiosk",
                                    captured_at,
                                )
                                .await?;
                                ("checked_in", Some(m.delegate_id), Some(m.score))
                            }
                            CheckinOutcome::Already(_) => {
                                ("already_checked_in", Some(m.delegate_id), Some(m.score))
                            }
                        }
                    } else {
                        // Not confirmed yet: the name is not shown until enough frames agree.
                        ("pending", None, Some(m.score))
                    }
                }
                Some(m) => ("unknown", None, Some(m.score)),
                None => ("unknown", None, None),
            }
        };
        let counter = match status {
            "checked_in" => &state.metrics.faces_checked_in,
            "already_checked_in" => &state.metrics.faces_already,
            "pending" => &state.metrics.faces_pending,
            "unknown" => &state.metrics.faces_unknown,
            _ => &state.metrics.faces_rejected,
        };
        Metrics::inc(counter);
        let delegate =
            match delegate {
                Some(id) => state.store.delegate(id).await?.map(
                    |d| json!({"id": d.id, "full_name": d.full_name, "delegation": d.delegation}),
                ),
                None => None,
            };
        out.push(json!({"box": face.box_xywh(), "status": status, "delegate": delegate, "score": score.unwrap_or(0.0)}));
    }
    let response = json!({"sitting_id": sitting.id, "faces": out});
    let stored = state
        .store
        .save_frame_response(caller.token_id, &q.kiosk_frame_id, &response.to_string())
        .await?;
    serde_json::from_str(&stored)
        .map(Json)
        .map_err(|e| AppError::Internal(e.to_string()))
}
