use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use rollcall_store::{Delegate, DelegatePatch, NewDelegate};
use rollcall_vision::{largest_faces, Face, Purpose};
use serde::Deserialize;
use serde_json::{json, Value};

use super::read_image;
use crate::auth::{allow, Caller};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::openapi::{ErrorBody, PhotoAccepted};
use crate::recognizer::MODEL_ID;
use crate::AppState;

fn check_fields(
    external_id: Option<&str>,
    full_name: Option<&str>,
    delegation: Option<&str>,
) -> Result<(), AppError> {
    for (name, value, max) in [
        ("external_id", external_id, 128),
        ("full_name", full_name, 256),
        ("delegation", delegation, 256),
    ] {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().count() > max {
                return Err(AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_field",
                    format!("{name} must be 1 to {max} characters"),
                ));
            }
        }
    }
    Ok(())
}

fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, AppError> {
    body.map(|Json(v)| v)
        .map_err(|e| AppError::new(e.status(), "invalid_json", e.body_text()))
}

#[utoipa::path(post, path = "/api/v1/delegates", tag = "delegates", request_body = NewDelegate,
    responses((status = 201, body = Delegate), (status = 409, description = "external_id taken", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewDelegate>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    caller.require(allow::STAFF)?;
    let new = json_body(body)?;
    check_fields(
        Some(&new.external_id),
        Some(&new.full_name),
        Some(&new.delegation),
    )?;
    let d = state.store.create_delegate(&new).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "delegate.create",
            &format!("delegate:{}", d.id),
            "",
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/delegates", tag = "delegates", params(("q" = Option<String>, Query, description = "search in name, delegation, external id")),
    responses((status = 200, body = Vec<Delegate>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Delegate>>, AppError> {
    caller.require(allow::READ_DELEGATES)?;
    Ok(Json(state.store.delegates(q.q.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/delegates/{id}", tag = "delegates", params(("id" = i64, Path)),
    responses((status = 200, description = "the delegate with `photo_list` (ids and quality)", body = Delegate), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(allow::READ_DELEGATES)?;
    let d = state
        .store
        .delegate(id)
        .await?
        .ok_or_else(|| AppError::not_found("delegate"))?;
    let photos: Vec<_> = state
        .store
        .photos(id)
        .await?
        .into_iter()
        .map(|p| json!({"photo_id": p.id, "quality": p.quality}))
        .collect();
    let mut v = serde_json::to_value(d).map_err(|e| AppError::Internal(e.to_string()))?;
    v["photo_list"] = json!(photos);
    Ok(Json(v))
}

#[utoipa::path(patch, path = "/api/v1/delegates/{id}", tag = "delegates", params(("id" = i64, Path)), request_body = DelegatePatch,
    responses((status = 200, body = Delegate), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<DelegatePatch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Delegate>, AppError> {
    caller.require(allow::STAFF)?;
    let patch = json_body(body)?;
    check_fields(
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
#[utoipa::path(delete, path = "/api/v1/delegates/{id}", tag = "delegates", params(("id" = i64, Path)),
    responses((status = 204, description = "erased: photos, templates, check-ins"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::ADMIN)?;
    if !state.store.delete_delegate(id).await? {
        return Err(AppError::not_found("delegate"));
    }
    state.recognizer.remove_delegate(&state.store, id).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "delegate.erase",
            &format!("delegate:{id}"),
            "photos, templates and check-ins erased",
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn refuse(reason: &'static str, message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, reason, message)
}

/// The enrolment gate: exactly one clear, large, frontal face that is nobody else already.
fn enrolment_face(state: &AppState, faces: Vec<Face>) -> Result<Face, AppError> {
    let gate = &state.config.enrolment;
    let faces = largest_faces(faces, gate.min_detector_score);
    let Some(main) = faces.first().cloned() else {
        return Err(refuse("no_face", "no face was found in the photo"));
    };
    let others = faces
        .iter()
        .skip(1)
        .filter(|f| f.quality.inter_eye >= 0.5 * main.quality.inter_eye)
        .count();
    if others > 0 {
        return Err(refuse(
            "multiple_faces",
            format!(
                "the photo shows {} faces; enrol one person per photo",
                others + 1
            ),
        ));
    }
    let q = main.quality;
    if q.inter_eye < gate.min_inter_eye {
        return Err(refuse(
            "face_too_small",
            format!(
                "the eyes are {:.0} px apart; at least {:.0} px are needed",
                q.inter_eye, gate.min_inter_eye
            ),
        ));
    }
    if q.sharpness < gate.min_sharpness {
        return Err(refuse(
            "blurry",
            format!(
                "the face is blurred (sharpness {:.1}, at least {:.1} needed)",
                q.sharpness, gate.min_sharpness
            ),
        ));
    }
    if q.frontal < gate.min_frontal {
        return Err(refuse(
            "not_frontal",
            format!(
                "the face is turned (frontal {:.2}, at least {:.2} needed)",
                q.frontal, gate.min_frontal
            ),
        ));
    }
    Ok(main)
}

/// Runs the gate on an image and, when it passes, stores the photo and its template and makes the
/// delegate searchable: (photo id, quality).
async fn enrol_photo(
    state: &AppState,
    caller: &Caller,
    delegate: &Delegate,
    image: Vec<u8>,
    wait: bool,
) -> Result<(i64, Value), AppError> {
    let faces = if wait {
        state
            .recognizer
            .analyze_waiting(image.clone(), Purpose::Enrolment)
            .await
    } else {
        state
            .recognizer
            .analyze(image.clone(), Purpose::Enrolment)
            .await
    };
    let faces = faces.inspect_err(|e| {
        if matches!(e, AppError::Busy) {
            Metrics::inc(&state.metrics.busy);
        }
    })?;
    let face = enrolment_face(state, faces)?;
    let candidates = state.recognizer.candidates(&face.embedding, 2)?;
    for (other, score) in candidates.hits {
        if other != delegate.id && score >= candidates.threshold {
            let name = state
                .store
                .delegate(other)
                .await?
                .map(|d| d.full_name)
                .unwrap_or_default();
            return Err(
                refuse("duplicate_of", "this face already matches another delegate").with_detail(
                    json!({"delegate": {"id": other, "full_name": name}, "score": score}),
                ),
            );
        }
    }
    let quality =
        serde_json::to_value(face.quality).map_err(|e| AppError::Internal(e.to_string()))?;
    let (photo, _) = state
        .store
        .add_photo(delegate.id, &image, &quality, MODEL_ID, &face.embedding)
        .await?;
    state
        .recognizer
        .add_template(&state.store, delegate.id, &face.embedding)
        .await?;
    state
        .store
        .audit(
            &caller.actor(),
            "photo.add",
            &format!("delegate:{}", delegate.id),
            &format!("photo:{}", photo.id),
        )
        .await?;
    Ok((photo.id, quality))
}

#[utoipa::path(post, path = "/api/v1/delegates/{id}/photos", tag = "enrolment", params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "image/jpeg, image/png, image/webp, or multipart with one image file"),
    responses((status = 201, body = PhotoAccepted),
        (status = 422, description = "no_face, multiple_faces, face_too_small, blurry, not_frontal, duplicate_of (detail names the delegate), invalid_image", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 503, description = "busy; Retry-After", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    req: Request,
) -> Result<impl IntoResponse, AppError> {
    caller.require(allow::STAFF)?;
    let delegate = state
        .store
        .delegate(id)
        .await?
        .ok_or_else(|| AppError::not_found("delegate"))?;
    let image = read_image(&state, req).await?;
    let (photo_id, quality) = enrol_photo(&state, &caller, &delegate, image, false).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"photo_id": photo_id, "quality": quality})),
    ))
}

/// Bulk import: a multipart form with `csv` (header `external_id,full_name,delegation[,eligible]`) and
/// optionally `photos`, a zip whose files are named `<external_id>.jpg|.jpeg|.png|.webp`. Each row is
/// created (or found, when the external id exists) and its photo goes through the enrolment gate;
/// the answer reports every row, and one bad row does not stop the others.
#[utoipa::path(post, path = "/api/v1/delegates/import", tag = "enrolment",
    request_body(content = String, content_type = "multipart/form-data", description = "`csv` (external_id,full_name,delegation[,eligible]) and optional `photos` (zip of <external_id>.jpg|png|webp)"),
    responses((status = 200, description = "per-row report", body = Object), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    mut form: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    caller.require(allow::STAFF)?;
    let (mut csv_text, mut zip_bytes) = (None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::new(e.status(), "bad_multipart", e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let data = field
            .bytes()
            .await
            .map_err(|e| AppError::new(e.status(), "bad_multipart", e.body_text()))?;
        match name.as_str() {
            "csv" => {
                csv_text =
                    Some(String::from_utf8(data.to_vec()).map_err(|_| {
                        AppError::bad_request("invalid_csv", "the CSV is not UTF-8")
                    })?)
            }
            "photos" => zip_bytes = Some(data.to_vec()),
            _ => {}
        }
    }
    let csv_text = csv_text
        .ok_or_else(|| AppError::bad_request("missing_csv", "the form needs a `csv` field"))?;
    let mut photos = match zip_bytes {
        Some(z) => Some(
            zip::ZipArchive::new(std::io::Cursor::new(z))
                .map_err(|e| AppError::bad_request("invalid_zip", e.to_string()))?,
        ),
        None => None,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::bad_request("invalid_csv", e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (ext_col, name_col, del_col, elig_col) = (
        col("external_id"),
        col("full_name"),
        col("delegation"),
        col("eligible"),
    );
    let (Some(ext_col), Some(name_col), Some(del_col)) = (ext_col, name_col, del_col) else {
        return Err(AppError::bad_request(
            "invalid_csv",
            "the CSV header needs external_id, full_name and delegation",
        ));
    };
    let (mut rows, mut created, mut enrolled, mut errors) = (Vec::new(), 0, 0, 0);
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors += 1;
                rows.push(json!({"row": line, "status": "error", "code": "invalid_csv", "message": e.to_string()}));
                continue;
            }
        };
        let get = |c: usize| record.get(c).unwrap_or("").to_string();
        let eligible = elig_col
            .map(|c| {
                !matches!(
                    record.get(c).unwrap_or("").to_ascii_lowercase().as_str(),
                    "false" | "no" | "0"
                )
            })
            .unwrap_or(true);
        let new = NewDelegate {
            external_id: get(ext_col),
            full_name: get(name_col),
            delegation: get(del_col),
            eligible,
        };
        let mut row = json!({"row": line, "external_id": new.external_id});
        let delegate = match check_fields(
            Some(&new.external_id),
            Some(&new.full_name),
            Some(&new.delegation),
        ) {
            Err(e) => Err(e),
            Ok(()) => match state
                .store
                .delegate_by_external_id(&new.external_id)
                .await?
            {
                Some(d) => {
                    row["status"] = json!("exists");
                    Ok(d)
                }
                None => {
                    let d = state.store.create_delegate(&new).await?;
                    state
                        .store
                        .audit(
                            &caller.actor(),
                            "delegate.create",
                            &format!("delegate:{}", d.id),
                            "import",
                        )
                        .await?;
                    created += 1;
                    row["status"] = json!("created");
                    Ok(d)
                }
            },
        };
        let delegate = match delegate {
            Ok(d) => d,
            Err(e) => {
                errors += 1;
                row["status"] = json!("error");
                if let AppError::Client { code, message, .. } = &e {
                    row["code"] = json!(code);
                    row["message"] = json!(message);
                }
                rows.push(row);
                continue;
            }
        };
        row["delegate_id"] = json!(delegate.id);
        if delegate.photos > 0 {
            // A re-run of the same import: the delegate keeps the photos it has.
            row["photo"] = json!("already_enrolled");
            rows.push(row);
            continue;
        }
        let image = match photos.as_mut() {
            Some(archive) => photo_in_zip(archive, &new.external_id, state.config.max_upload_bytes),
            None => Ok(None),
        };
        let enrolled_photo = match image {
            Ok(None) => {
                row["photo"] = json!("missing");
                None
            }
            Ok(Some(bytes)) => Some(enrol_photo(&state, &caller, &delegate, bytes, true).await),
            Err(e) => Some(Err(e)),
        };
        match enrolled_photo {
            None => {}
            Some(result) => match result {
                Ok((photo_id, _)) => {
                    enrolled += 1;
                    row["photo"] = json!("enrolled");
                    row["photo_id"] = json!(photo_id);
                }
                Err(AppError::Client {
                    code,
                    message,
                    detail,
                    ..
                }) => {
                    errors += 1;
                    row["photo"] = json!(code);
                    row["message"] = json!(message);
                    if let Some(d) = detail {
                        row["detail"] = d;
                    }
                }
                Err(other) => return Err(other),
            },
        }
        rows.push(row);
    }
    Ok(Json(
        json!({"created": created, "enrolled": enrolled, "errors": errors, "rows": rows}),
    ))
}

/// The photo named after `external_id` in the zip, if any; a file over the size limit is refused
/// before it is inflated (zip bombs).
fn photo_in_zip(
    archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
    external_id: &str,
    max: usize,
) -> Result<Option<Vec<u8>>, AppError> {
    use std::io::Read;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| AppError::bad_request("invalid_zip", e.to_string()))?;
        let Some(path) = file.enclosed_name() else {
            continue;
        };
        if file.is_dir() {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let ext = path
            .extension()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if stem == external_id && matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "webp") {
            if file.size() > max as u64 {
                return Err(AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("{} is over {max} bytes", path.display()),
                ));
            }
            let mut out = Vec::with_capacity(file.size() as usize);
            (&mut file)
                .take(max as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| AppError::bad_request("invalid_zip", e.to_string()))?;
            if out.len() > max {
                return Err(AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("{} is over {max} bytes", path.display()),
                ));
            }
            return Ok(Some(out));
        }
    }
    Ok(None)
}

#[utoipa::path(delete, path = "/api/v1/delegates/{id}/photos/{photo_id}", tag = "enrolment", params(("id" = i64, Path), ("photo_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, photo_id)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    caller.require(allow::STAFF)?;
    if !state.store.delete_photo(id, photo_id).await? {
        return Err(AppError::not_found("photo"));
    }
    state.recognizer.refresh_delegate(&state.store, id).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "photo.erase",
            &format!("delegate:{id}"),
            &format!("photo:{photo_id}"),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Top-5 candidates for the largest face of an image (enrolment desks, audits).
#[utoipa::path(post, path = "/api/v1/identify", tag = "enrolment", request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, description = "box and top-5 candidates with scores", body = Object), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn identify(
    State(state): State<AppState>,
    caller: Caller,
    req: Request,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(allow::STAFF)?;
    let image = read_image(&state, req).await?;
    let faces = state.recognizer.analyze(image, Purpose::Probe).await?;
    let face = largest_faces(faces, state.config.enrolment.min_detector_score)
        .into_iter()
        .next()
        .ok_or_else(|| refuse("no_face", "no face was found in the image"))?;
    let mut candidates = Vec::new();
    let found = state.recognizer.candidates(&face.embedding, 5)?;
    for (id, score) in found.hits {
        if let Some(d) = state.store.delegate(id).await? {
            candidates.push(json!({"delegate": {"id": d.id, "full_name": d.full_name, "delegation": d.delegation}, "score": score,
                "above_threshold": score >= found.threshold}));
        }
    }
    Ok(Json(
        json!({"box": face.box_xywh(), "candidates": candidates}),
    ))
}
