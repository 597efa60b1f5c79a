use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::Json;
use rollcall_api::{ErrorBody, FrameAnswer, FrameQuery};

use super::read_body;
use crate::app::frames;
use crate::auth::{allow, Caller};
use crate::metrics::Metrics;
use crate::{AppError, AppState};

/// When the frame was captured, from `captured_at` (RFC 3339), or now.
fn capture_time(q: &FrameQuery) -> Result<i64, AppError> {
    match &q.captured_at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp_millis())
            .map_err(|e| {
                AppError::bad_request(
                    "invalid_captured_at",
                    format!("captured_at must be RFC 3339: {e}"),
                )
            }),
        None => Ok(chrono::Utc::now().timestamp_millis()),
    }
}

/// One kiosk frame: every face in it with its status. Retries with the same `kiosk_frame_id` get the
/// stored answer; check-ins are committed before the answer is sent.
#[utoipa::path(post, path = "/kiosk/frames", tag = "check-in", params(FrameQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = FrameAnswer),
        (status = 409, description = "no open sitting", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody,
            description = "invalid_image, or captured_at_out_of_range: \
                           before the sitting opened or in the future"),
        (status = 503, description = "busy; Retry-After", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn frame(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FrameQuery>, QueryRejection>,
    req: Request,
) -> Result<Json<FrameAnswer>, AppError> {
    caller.require(allow::KIOSK)?;
    let Query(q) = query.map_err(|e| AppError::bad_request("invalid_query", e.body_text()))?;
    if q.kiosk_frame_id.is_empty() || q.kiosk_frame_id.len() > 128 {
        return Err(AppError::bad_request(
            "invalid_frame_id",
            "kiosk_frame_id must be 1 to 128 characters",
        ));
    }
    let captured_at = capture_time(&q)?;
    Metrics::inc(&state.metrics.frames);
    // Before the store is asked anything or the upload read: an overloaded server's refusals must
    // not take the time its workers need (a replayed frame id also waits for a free place).
    let slot = frames::reserve(&state)?;
    if let Some(previous) = frames::answered(&state, &caller, &q.kiosk_frame_id).await? {
        Metrics::inc(&state.metrics.frames_replayed);
        return Ok(Json(previous));
    }
    let sitting = frames::open_sitting(&state).await?;
    frames::check_capture_time(&state, &sitting, captured_at)?;
    let image = read_body(&state, req).await?;
    let answer = frames::process(
        &state,
        &caller,
        &sitting,
        &q.kiosk_frame_id,
        captured_at,
        slot,
        image,
    )
    .await?;
    Ok(Json(answer))
}
