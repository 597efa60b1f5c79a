//! Request bodies with the configured size limit, answered with a JSON 413 when over it.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};

use crate::{AppError, AppState};

/// An image from either a raw `image/*` body or the first file field of a multipart form.
pub(crate) async fn read_image(state: &AppState, req: Request) -> Result<Vec<u8>, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("multipart/form-data") {
        return read_body(state, req).await;
    }
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
    Err(AppError::bad_request(
        "missing_image",
        "the form has no image file field",
    ))
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

pub(crate) fn body_error(status: StatusCode, text: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(status, "payload_too_large", text)
    } else {
        AppError::bad_request("bad_body", text)
    }
}
