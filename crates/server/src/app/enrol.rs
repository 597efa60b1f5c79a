//! Delegates and their enrolment photos: the gate, storage and the gallery kept in step, erasure,
//! identification, and the bulk import.

use std::io::Read;

use axum::http::StatusCode;
use rollcall_api::{
    Candidate, Delegate, DelegateRef, IdentifyAnswer, ImportReport, ImportRow, NewDelegate,
    PhotoAccepted, PhotoQuality, RowStatus,
};
use rollcall_checkin::enrolment::{self, Refusal};
use rollcall_checkin::roster::{self, RosterError};
use rollcall_vision::{Face, Purpose, Quality};
use serde_json::json;

use crate::auth::Caller;
use crate::metrics::Metrics;
use crate::{AppError, AppState};

pub(crate) fn photo_quality(q: &Quality) -> PhotoQuality {
    PhotoQuality {
        box_width: q.box_width,
        box_height: q.box_height,
        inter_eye: q.inter_eye,
        sharpness: q.sharpness,
        yaw: q.yaw,
        roll: q.roll,
        frontal: q.frontal,
        detector_score: q.detector_score,
    }
}

pub(crate) async fn delegate(state: &AppState, id: i64) -> Result<Delegate, AppError> {
    state
        .store
        .delegate(id)
        .await?
        .ok_or_else(|| AppError::not_found("delegate"))
}

/// Creates a delegate (fields checked) and audits it; `how` says where it came from.
pub(crate) async fn create_delegate(
    state: &AppState,
    caller: &Caller,
    new: &NewDelegate,
    how: &str,
) -> Result<Delegate, AppError> {
    roster::check_new(new)?;
    let d = state.store.create_delegate(new).await?;
    state
        .store
        .audit(
            &caller.actor(),
            "delegate.create",
            &format!("delegate:{}", d.id),
            how,
        )
        .await?;
    Ok(d)
}

/// The faces in an enrolment photo; `wait` waits for a free worker instead of answering busy.
async fn faces(state: &AppState, image: Vec<u8>, wait: bool) -> Result<Vec<Face>, AppError> {
    let faces = if wait {
        state
            .inference
            .analyze_waiting(image, Purpose::Enrolment)
            .await
    } else {
        state.inference.analyze(image, Purpose::Enrolment).await
    };
    faces.inspect_err(|e| {
        if matches!(e, AppError::Busy) {
            Metrics::inc(&state.metrics.busy);
        }
    })
}

/// A refusal as the client sees it; a duplicate names the other delegate.
async fn refusal(state: &AppState, r: Refusal) -> Result<AppError, AppError> {
    let detail = match &r {
        Refusal::DuplicateOf { delegate_id, score } => {
            let name = state
                .store
                .delegate(*delegate_id)
                .await?
                .map(|d| d.full_name)
                .unwrap_or_default();
            Some(json!({"delegate": {"id": delegate_id, "full_name": name}, "score": score}))
        }
        _ => None,
    };
    let e = AppError::from(r);
    Ok(match detail {
        Some(d) => e.with_detail(d),
        None => e,
    })
}

/// Runs the gate on an image and, when it passes, stores the photo and its template and makes the
/// delegate searchable.
pub(crate) async fn enrol_photo(
    state: &AppState,
    caller: &Caller,
    delegate: &Delegate,
    image: Vec<u8>,
    wait: bool,
) -> Result<PhotoAccepted, AppError> {
    let found = faces(state, image.clone(), wait).await?;
    let face = match enrolment::admit(
        found,
        delegate.id,
        &state.config.enrolment,
        &state.config.liveness,
        &state.recognizer,
    )? {
        Ok(face) => face,
        Err(r) => return Err(refusal(state, r).await?),
    };
    let quality = photo_quality(&face.quality);
    let (photo, _) = state
        .store
        .add_photo(
            delegate.id,
            &image,
            &quality,
            &state.model_id,
            &face.embedding,
        )
        .await?;
    state.recognizer.add(delegate.id, &face.embedding)?;
    state
        .store
        .audit(
            &caller.actor(),
            "photo.add",
            &format!("delegate:{}", delegate.id),
            &format!("photo:{}", photo.id),
        )
        .await?;
    Ok(PhotoAccepted {
        photo_id: photo.id,
        quality,
    })
}

/// Erases one photo and its template; the delegate's other templates stay searchable.
pub(crate) async fn erase_photo(
    state: &AppState,
    caller: &Caller,
    delegate_id: i64,
    photo_id: i64,
) -> Result<(), AppError> {
    if !state.store.delete_photo(delegate_id, photo_id).await? {
        return Err(AppError::not_found("photo"));
    }
    let remaining = state
        .store
        .delegate_templates(delegate_id, &state.model_id)
        .await?;
    let remaining: Vec<&[f32]> = remaining.iter().map(|t| t.embedding.as_slice()).collect();
    state.recognizer.replace_delegate(delegate_id, &remaining)?;
    state
        .store
        .audit(
            &caller.actor(),
            "photo.erase",
            &format!("delegate:{delegate_id}"),
            &format!("photo:{photo_id}"),
        )
        .await?;
    Ok(())
}

/// Erases a delegate: photos, templates (database and memory) and check-ins. The audit keeps ids.
pub(crate) async fn erase_delegate(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    if !state.store.delete_delegate(id).await? {
        return Err(AppError::not_found("delegate"));
    }
    state.recognizer.remove_delegate(id)?;
    state
        .store
        .audit(
            &caller.actor(),
            "delegate.erase",
            &format!("delegate:{id}"),
            "photos, templates and check-ins erased",
        )
        .await?;
    Ok(())
}

/// The best candidates for the largest face of an image (enrolment desks, audits).
pub(crate) async fn identify(state: &AppState, image: Vec<u8>) -> Result<IdentifyAnswer, AppError> {
    let found = state.inference.analyze(image, Purpose::Probe).await?;
    let face = enrolment::main_face(found, &state.config.enrolment)
        .ok_or_else(|| AppError::unprocessable("no_face", "no face was found in the image"))?;
    let found = state.recognizer.candidates(&face.embedding, 5)?;
    let mut candidates = Vec::new();
    for (id, score) in found.hits {
        if let Some(d) = state.store.delegate(id).await? {
            candidates.push(Candidate {
                delegate: DelegateRef::from(&d),
                score,
                above_threshold: score >= found.threshold,
            });
        }
    }
    Ok(IdentifyAnswer {
        bbox: face.box_xywh(),
        candidates,
    })
}

/// Bulk import: each CSV row is created (or found, when the external id exists) and its photo from
/// the zip goes through the enrolment gate; every row is reported, and one bad row does not stop
/// the others.
pub(crate) async fn import(
    state: &AppState,
    caller: &Caller,
    csv_text: &str,
    zip: Option<Vec<u8>>,
) -> Result<ImportReport, AppError> {
    let rows = roster::read_roster(csv_text.as_bytes()).map_err(|e| match e {
        RosterError::Header | RosterError::Csv(_) => {
            AppError::bad_request("invalid_csv", e.to_string())
        }
    })?;
    let mut photos = match zip {
        Some(z) => Some(
            zip::ZipArchive::new(std::io::Cursor::new(z))
                .map_err(|e| AppError::bad_request("invalid_zip", e.to_string()))?,
        ),
        None => None,
    };
    let mut report = ImportReport::default();
    for row in rows {
        let line = row.line;
        let external_id = row.external_id.clone();
        match import_row(state, caller, row, photos.as_mut(), &mut report).await {
            Ok(out) => report.rows.push(out),
            // A failure outside the row (the database busy or down, a bug) is reported on the
            // row, and the import goes on: a re-run picks the row up, since nothing is done twice.
            Err(e) => {
                let e = e.public();
                let mut out = ImportRow::new(line, external_id, RowStatus::Error);
                out.code = Some(e.code.to_string());
                out.message = Some(e.message);
                out.detail = e.detail;
                report.errors += 1;
                report.rows.push(out);
            }
        }
    }
    Ok(report)
}

/// One row of an import: its delegate created (or found) and its photo enrolled; the row's own
/// faults (a bad field, a refused photo) are in the returned row, anything else is an error.
async fn import_row(
    state: &AppState,
    caller: &Caller,
    row: roster::RosterRow,
    photos: Option<&mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>>,
    report: &mut ImportReport,
) -> Result<ImportRow, AppError> {
    let mut out = ImportRow::new(row.line, row.external_id.clone(), RowStatus::Error);
    let new = match row.delegate {
        Ok(new) => new,
        Err(e) => {
            report.errors += 1;
            out.code = Some(e.code().to_string());
            out.message = Some(e.to_string());
            return Ok(out);
        }
    };
    let delegate = match state
        .store
        .delegate_by_external_id(&new.external_id)
        .await?
    {
        Some(d) => {
            out.status = RowStatus::Exists;
            d
        }
        None => {
            let d = create_delegate(state, caller, &new, "import").await?;
            report.created += 1;
            out.status = RowStatus::Created;
            d
        }
    };
    out.delegate_id = Some(delegate.id);
    if delegate.photos > 0 {
        // A re-run of the same import: the delegate keeps the photos it has.
        out.photo = Some("already_enrolled".into());
        return Ok(out);
    }
    let image = match photos {
        Some(archive) => photo_in_zip(archive, &new.external_id, state.config.max_upload_bytes),
        None => Ok(None),
    };
    let enrolled = match image {
        Ok(None) => {
            out.photo = Some("missing".into());
            return Ok(out);
        }
        Ok(Some(bytes)) => enrol_photo(state, caller, &delegate, bytes, true).await,
        Err(e) => Err(e),
    };
    match enrolled {
        Ok(accepted) => {
            report.enrolled += 1;
            out.photo = Some("enrolled".into());
            out.photo_id = Some(accepted.photo_id);
        }
        Err(AppError::Client {
            code,
            message,
            detail,
            ..
        }) => {
            report.errors += 1;
            out.photo = Some(code.to_string());
            out.message = Some(message);
            out.detail = detail;
        }
        Err(other) => return Err(other),
    }
    Ok(out)
}

/// The photo named after `external_id` in the zip, if any; a file over the size limit is refused
/// before it is inflated (zip bombs).
fn photo_in_zip(
    archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
    external_id: &str,
    max: usize,
) -> Result<Option<Vec<u8>>, AppError> {
    let too_large = |name: &str| {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("{name} is over {max} bytes"),
        )
    };
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
            let name = path.display().to_string();
            if file.size() > max as u64 {
                return Err(too_large(&name));
            }
            let mut out = Vec::with_capacity(file.size() as usize);
            (&mut file)
                .take(max as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| AppError::bad_request("invalid_zip", e.to_string()))?;
            if out.len() > max {
                return Err(too_large(&name));
            }
            return Ok(Some(out));
        }
    }
    Ok(None)
}
