use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rollcall_api::{ErrorBody, Health, KioskSettings, Session};

use crate::auth::{allow, Caller};
use crate::{AppError, AppState};

/// 200 once the server can take frames (models loaded, database reachable).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        templates: state.recognizer.len(),
    }))
}

/// Prometheus text. Open on a loopback listener (a local scraper), admin-only on any other.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(
    State(state): State<AppState>,
    caller: Result<Caller, AppError>,
) -> Result<Response, AppError> {
    if !state.config.listen.ip().is_loopback() {
        caller?.require(allow::ADMIN)?;
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(
            &state.recognizer.threshold_report(),
            state.inference.panics(),
        ),
    )
        .into_response())
}

/// The score a kiosk face must reach now and why: the calibration's threshold for this gallery,
/// and whether the enrolled faces' resemblance to one another raised it (the desk shows a notice).
#[utoipa::path(get, path = "/recognition/threshold", tag = "operations",
    responses((status = 200, body = rollcall_api::RecognitionThreshold),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn threshold(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<rollcall_api::RecognitionThreshold>, AppError> {
    caller.require(allow::STAFF)?;
    Ok(Json(crate::app::self_calibration::answer(
        &state.recognizer.threshold_report(),
        state.config.recognition.fpir,
    )))
}

/// Who a token belongs to: the web pages call this at login to tell a wrong token (401) from one
/// without the page's role, and the browser kiosk reads its frame rate and size here.
#[utoipa::path(get, path = "/session", tag = "operations",
    responses((status = 200, body = Session), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn session(State(state): State<AppState>, caller: Caller) -> Json<Session> {
    Json(Session {
        role: caller.role,
        kiosk: KioskSettings {
            fps: state.config.kiosk.fps,
            frame_width: state.config.kiosk.frame_width,
        },
        direction: caller.door,
    })
}

pub async fn not_found() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// The audit chain's head: its newest entry's sequence number and hash.
#[utoipa::path(get, path = "/audit/head", tag = "audit",
    responses((status = 200, body = rollcall_api::AuditHead), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit_head(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<rollcall_api::AuditHead>, AppError> {
    caller.require(allow::AUDIT)?;
    let (seq, hash) = state.store.audit_head().await?;
    Ok(Json(rollcall_api::AuditHead { seq, hash }))
}
