use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::Json;
use rollcall_api::{
    Delegate, DelegateDetail, DelegatePatch, ErrorBody, IdentifyAnswer, ImportReport, NewDelegate,
    PhotoAccepted, PhotoInfo,
};
use rollcall_checkin::roster;
use serde::Deserialize;

use super::read_image;
use crate::app::enrol;
use crate::auth::{allow, Caller};
use crate::{AppError, AppState};

#[utoipa::path(post, path = "/delegates", tag = "delegates", request_body = NewDelegate,
    responses((status = 201, body = Delegate),
        (status = 409, description = "external_id taken", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewDelegate>, JsonRejection>,
) -> Result<(StatusCode, Json<Delegate>), AppError> {
    caller.require(allow::STAFF)?;
    let Json(new) = body.map_err(|e| AppError::invalid_json(&e))?;
    let d = enrol::create_delegate(&state, &caller, &new, "").await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Search in name, delegation and external id.
    q: Option<String>,
}

#[utoipa::path(get, path = "/delegates", tag = "delegates", params(ListQuery),
    responses((status = 200, body = Vec<Delegate>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Delegate>>, AppError> {
    caller.require(allow::READ_DELEGATES)?;
    Ok(Json(state.store.delegates(q.q.as_deref()).await?))
}

#[utoipa::path(get, path = "/delegates/{id}", tag = "delegates", params(("id" = i64, Path)),
    responses((status = 200, body = DelegateDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<DelegateDetail>, AppError> {
    caller.require(allow::READ_DELEGATES)?;
    let delegate = enrol::delegate(&state, id).await?;
    let photo_list = state
        .store
        .photos(id)
        .await?
        .into_iter()
        .map(|p| PhotoInfo {
            photo_id: p.id,
            quality: p.quality,
        })
        .collect();
    Ok(Json(DelegateDetail {
        delegate,
        photo_list,
    }))
}

#[utoipa::path(patch, path = "/delegates/{id}", tag = "delegates", params(("id" = i64, Path)),
    request_body = DelegatePatch,
    responses((status = 200, body = Delegate), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<DelegatePatch>, JsonRejection>,
) -> Result<Json<Delegate>, AppError> {
    caller.require(allow::STAFF)?;
    let Json(patch) = body.map_err(|e| AppError::invalid_json(&e))?;
    roster::check_fields(
        patch.external_id.as_deref(),
        patch.full_name.as_deref(),
        patch.delegation.as_deref(),
    )?;
    let d = state.store.update_delegate(id, &patch).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "delegate.update",
            &format!("delegate:{id}"),
            "",
        )
        .await?;
    Ok(Json(d))
}

/// Erases a delegate: photos, templates (database and memory) and check-ins. The audit keeps only ids.
#[utoipa::path(delete, path = "/delegates/{id}", tag = "delegates", params(("id" = i64, Path)),
    responses((status = 204, description = "erased: photos, templates, check-ins"),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::ADMIN)?;
    enrol::erase_delegate(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/delegates/{id}/photos", tag = "enrolment", params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "image/jpeg, image/png, image/webp, or multipart with one image file"),
    responses((status = 201, body = PhotoAccepted),
        (status = 422, body = ErrorBody, description = "no_face, multiple_faces, face_too_small, \
            blurry, not_frontal, duplicate_of (detail names the delegate), invalid_image"),
        (status = 413, body = ErrorBody),
        (status = 503, description = "busy; Retry-After", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    req: Request,
) -> Result<(StatusCode, Json<PhotoAccepted>), AppError> {
    caller.require(allow::STAFF)?;
    let delegate = enrol::delegate(&state, id).await?;
    let image = read_image(&state, req).await?;
    let accepted = enrol::enrol_photo(&state, &caller, &delegate, image, false).await?;
    Ok((StatusCode::CREATED, Json(accepted)))
}

/// Bulk import: a multipart form with `csv` (header `external_id,full_name,delegation[,eligible]`) and
/// optionally `photos`, a zip whose files are named `<external_id>.jpg|.jpeg|.png|.webp`. Each row is
/// created (or found, when the external id exists) and its photo goes through the enrolment gate;
/// the answer reports every row, and one bad row does not stop the others.
#[utoipa::path(post, path = "/delegates/import", tag = "enrolment",
    request_body(content = String, content_type = "multipart/form-data",
        description = "`csv` (external_id,full_name,delegation[,eligible]) and optional `photos` \
            (zip of <external_id>.jpg|png|webp)"),
    responses((status = 200, description = "per-row report", body = ImportReport),
        (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    mut form: Multipart,
) -> Result<Json<ImportReport>, AppError> {
    caller.require(allow::STAFF)?;
    let (mut csv_text, mut zip_bytes) = (None, None);
    let multipart = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "bad_multipart", e.body_text())
    };
    while let Some(field) = form.next_field().await.map_err(multipart)? {
        let name = field.name().unwrap_or_default().to_string();
        let data = field.bytes().await.map_err(multipart)?;
        match name.as_str() {
            "csv" => {
                csv_text =
                    Some(String::from_utf8(data.to_vec()).map_err(|_| {
                        AppError::bad_request("invalid_csv", "the CSV is not UTF-8")
                    })?);
            }
            "photos" => zip_bytes = Some(data.to_vec()),
            _ => {}
        }
    }
    let csv_text = csv_text
        .ok_or_else(|| AppError::bad_request("missing_csv", "the form needs a `csv` field"))?;
    Ok(Json(
        enrol::import(&state, &caller, &csv_text, zip_bytes).await?,
    ))
}

#[utoipa::path(delete, path = "/delegates/{id}/photos/{photo_id}", tag = "enrolment",
    params(("id" = i64, Path), ("photo_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::STAFF)?;
    enrol::erase_photo(&state, &caller, id, photo_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Top-5 candidates for the largest face of an image (enrolment desks, audits).
#[utoipa::path(post, path = "/identify", tag = "enrolment",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = IdentifyAnswer), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn identify(
    State(state): State<AppState>,
    caller: Caller,
    req: Request,
) -> Result<Json<IdentifyAnswer>, AppError> {
    caller.require(allow::STAFF)?;
    let image = read_image(&state, req).await?;
    Ok(Json(enrol::identify(&state, image).await?))
}
