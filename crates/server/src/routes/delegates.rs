use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::Json;
use rollcall_api::{
    Delegate, DelegateDetail, DelegatePatch, ErrorBody, IdentifyAnswer, ImportReport, NewDelegate,
    PhotoAccepted, PhotoInfo, PhotoQuery,
};
use rollcall_checkin::roster;
use serde::Deserialize;

use super::body::{field_bytes, multipart_error, spool};
use super::read_image;
use crate::app::enrol;
use crate::app::import::{self, PhotoArchive};
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

#[utoipa::path(post, path = "/delegates/{id}/photos", tag = "enrolment",
    params(("id" = i64, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "image/jpeg, image/png, image/webp, or multipart with one image file"),
    responses((status = 201, body = PhotoAccepted,
            description = "enrolled; `liveness_low` when a file scored below the kiosk's \
                liveness threshold (advisory for files, recorded in the audit)"),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 422, body = ErrorBody, description = "no_face, multiple_faces, face_too_small, \
            blurry, not_frontal, spoof_suspected (camera captures only), duplicate_of (detail \
            names the delegate), invalid_image"),
        (status = 413, body = ErrorBody),
        (status = 503, description = "busy; Retry-After", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    query: Result<Query<PhotoQuery>, QueryRejection>,
    req: Request,
) -> Result<(StatusCode, Json<PhotoAccepted>), AppError> {
    caller.require(allow::STAFF)?;
    let Query(q) = query.map_err(|e| AppError::bad_request("invalid_query", e.body_text()))?;
    let delegate = enrol::delegate(&state, id).await?;
    let image = read_image(&state, req).await?;
    let accepted = enrol::enrol_photo(&state, &caller, &delegate, image, q.source, false).await?;
    Ok((StatusCode::CREATED, Json(accepted)))
}

/// The largest roster accepted in an import: 100,000 delegates take about 10 MB.
const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;

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
    let (mut csv_text, mut photos) = (None, None);
    while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name().unwrap_or_default() {
            "csv" => {
                let data = field_bytes(&mut field, MAX_CSV_BYTES, "the csv field").await?;
                csv_text =
                    Some(String::from_utf8(data).map_err(|_| {
                        AppError::bad_request("invalid_csv", "the CSV is not UTF-8")
                    })?);
            }
            "photos" => {
                let file = spool(&mut field, &state.config.data_dir).await?;
                photos = Some(PhotoArchive::open(file).await?);
            }
            _ => {}
        }
    }
    let csv_text = csv_text
        .ok_or_else(|| AppError::bad_request("missing_csv", "the form needs a `csv` field"))?;
    Ok(Json(
        import::import(&state, &caller, &csv_text, photos).await?,
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
