//! Request bodies with the configured size limit, answered with a JSON 413 when over it.

use std::io::Seek;
use std::path::Path;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use tokio::io::AsyncWriteExt;

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

/// A multipart form that could not be read: over the body limit (413) or malformed (400).
pub(crate) fn multipart_error(e: &MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(e.status(), "payload_too_large", e.body_text())
    } else {
        AppError::new(e.status(), "bad_multipart", e.body_text())
    }
}

/// A form field read into memory, refused with 413 beyond `max` bytes.
pub(crate) async fn field_bytes(
    field: &mut Field<'_>,
    max: usize,
    what: &str,
) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        if out.len() + chunk.len() > max {
            return Err(AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("{what} is over the limit of {max} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A form field written, as it arrives, to an unnamed temporary file in `dir` (created 0600 and
/// gone when closed, so neither another user nor a crash leaves the photos readable) and returned
/// rewound. `dir` should be on disk: a memory-backed /tmp would hold the bytes in memory after all.
pub(crate) async fn spool(field: &mut Field<'_>, dir: &Path) -> Result<std::fs::File, AppError> {
    let internal = |e: std::io::Error| AppError::Internal(format!("spooling an upload: {e}"));
    let dir = dir.to_path_buf();
    let file = tokio::task::spawn_blocking(move || {
        crate::create_private_dir(&dir)?;
        tempfile::tempfile_in(&dir)
    })
    .await
    .map_err(|e| AppError::Internal(format!("spooling an upload: {e}")))?
    .map_err(internal)?;
    let mut file = tokio::fs::File::from_std(file);
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    let mut file = file.into_std().await;
    file.rewind().map_err(internal)?;
    Ok(file)
}
