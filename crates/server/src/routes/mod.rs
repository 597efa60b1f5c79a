pub(crate) mod delegates;
pub(crate) mod kiosk;
pub(crate) mod misc;
pub(crate) mod sittings;

pub(crate) use sittings::{ManualCheckin, NewSitting, Quorum};

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use axum::routing::{delete, get, post};
use axum::Router;

use crate::error::AppError;
use crate::AppState;

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_upload_bytes;
    let api = Router::new()
        .route("/delegates", post(delegates::create).get(delegates::list))
        .route(
            "/delegates/import",
            post(delegates::import).layer(axum::extract::DefaultBodyLimit::max(
                state.config.max_import_bytes,
            )),
        )
        .route(
            "/delegates/{id}",
            get(delegates::get)
                .patch(delegates::update)
                .delete(delegates::erase),
        )
        .route("/delegates/{id}/photos", post(delegates::add_photo))
        .route(
            "/delegates/{id}/photos/{photo_id}",
            delete(delegates::delete_photo),
        )
        .route("/identify", post(delegates::identify))
        .route("/sittings", post(sittings::create).get(sittings::list))
        .route("/sittings/{id}/open", post(sittings::open))
        .route("/sittings/{id}/close", post(sittings::close))
        .route("/sittings/{id}/checkins", post(sittings::manual_checkin))
        .route(
            "/sittings/{id}/checkins/{delegate_id}",
            delete(sittings::remove_checkin),
        )
        .route("/sittings/{id}/attendance", get(sittings::attendance))
        .route(
            "/sittings/{id}/attendance.csv",
            get(sittings::attendance_csv),
        )
        .route("/sittings/{id}/events", get(sittings::events))
        .route("/kiosk/frames", post(kiosk::frame))
        .route("/session", get(misc::session));
    Router::new()
        .nest("/api/v1", api)
        .route("/", get(crate::web::dashboard))
        .route("/enrol", get(crate::web::enrol))
        .route("/kiosk", get(crate::web::kiosk))
        .route("/assets/{name}", get(crate::web::asset))
        .route("/healthz", get(misc::healthz))
        .route("/api/openapi.json", get(misc::openapi))
        .route("/metrics", get(misc::metrics))
        .fallback(misc::not_found)
        // Bodies are read by `read_body`, which enforces the configured limit with a JSON 413.
        .layer(axum::extract::DefaultBodyLimit::max(
            limit.saturating_add(1),
        ))
        .with_state(state)
}

/// An image from either a raw `image/*` body or the first file field of a multipart form.
pub(crate) async fn read_image(state: &AppState, req: Request) -> Result<Vec<u8>, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::bad_request("bad_multipart", e.body_text()))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| body_error(e.status(), e.body_text()))?
        {
            if field.file_name().is_some()
                || field
                    .content_type()
                    .is_some_and(|c| c.starts_with("image/"))
            {
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| body_error(e.status(), e.body_text()))?;
                if data.len() > state.config.max_upload_bytes {
                    return Err(too_large(state));
                }
                return Ok(data.to_vec());
            }
        }
        return Err(AppError::bad_request(
            "missing_image",
            "the form has no image file field",
        ));
    }
    read_body(state, req).await
}

fn too_large(state: &AppState) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the body is over the limit of {} bytes",
            state.config.max_upload_bytes
        ),
    )
}

fn body_error(status: StatusCode, text: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(status, "payload_too_large", text)
    } else {
        AppError::bad_request("bad_body", text)
    }
}

/// The raw body, refused with a JSON 413 over the configured limit.
pub(crate) async fn read_body(state: &AppState, req: Request) -> Result<Vec<u8>, AppError> {
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| body_error(e.status(), e.body_text()))?;
    if bytes.len() > state.config.max_upload_bytes {
        return Err(too_large(state));
    }
    Ok(bytes.to_vec())
}
