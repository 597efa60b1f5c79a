//! Delegates and their enrolment photos: the gate, storage and the gallery kept in step, erasure,
//! identification.

use rollcall_api::{
    Candidate, Delegate, DelegateRef, IdentifyAnswer, NewDelegate, PhotoAccepted, PhotoQuality,
    PhotoSource,
};
use rollcall_checkin::enrolment::{self, Refusal};
use rollcall_checkin::roster;
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

/// A refusal as the client sees it: the figures measured and needed (so a page can say them in
/// its own language), and for a duplicate the other delegate's name.
async fn refusal(state: &AppState, r: Refusal) -> Result<AppError, AppError> {
    let measured =
        |measured: f32, needed: f32| Some(json!({"measured": measured, "needed": needed}));
    let detail = match &r {
        Refusal::NoFace => None,
        Refusal::MultipleFaces { faces } => Some(json!({ "faces": faces })),
        Refusal::FaceTooSmall { inter_eye, needed } => measured(*inter_eye, *needed),
        Refusal::Blurry { sharpness, needed } => measured(*sharpness, *needed),
        Refusal::NotFrontal { frontal, needed } => measured(*frontal, *needed),
        Refusal::SpoofSuspected { liveness, needed } => measured(*liveness, *needed),
        Refusal::DuplicateOf { delegate_id, score } => {
            let name = state
                .store
                .delegate(*delegate_id)
                .await?
                .map(|d| d.full_name)
                .unwrap_or_default();
            Some(json!({"delegate": {"id": delegate_id, "full_name": name}, "score": score}))
        }
    };
    let e = AppError::from(r);
    Ok(match detail {
        Some(d) => e.with_detail(d),
        None => e,
    })
}

/// Runs the gate on an image and, when it passes, stores the photo and its template and makes the
/// delegate searchable. A file's low liveness is reported and audited, not refused.
pub(crate) async fn enrol_photo(
    state: &AppState,
    caller: &Caller,
    delegate: &Delegate,
    image: Vec<u8>,
    source: PhotoSource,
    wait: bool,
) -> Result<PhotoAccepted, AppError> {
    let found = faces(state, image.clone(), wait).await?;
    let face = match enrolment::admit(
        found,
        delegate.id,
        source,
        &state.config.enrolment,
        &state.config.liveness,
        &state.recognizer,
    )? {
        Ok(face) => face,
        Err(r) => return Err(refusal(state, r).await?),
    };
    let quality = photo_quality(&face.quality);
    let liveness_low = enrolment::liveness_low(&face, &state.config.liveness);
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
    state.gallery_changed();
    let liveness = face.liveness.filter(|_| state.config.liveness.enabled);
    let mut detail = format!("photo:{} {}", photo.id, source.as_str());
    if let Some(l) = liveness {
        detail.push_str(&format!(" liveness {l:.3}"));
        if liveness_low {
            detail.push_str(&format!(
                " below {:.3}, accepted as a file",
                state.config.liveness.threshold
            ));
        }
    }
    state
        .store
        .audit(
            &caller.actor(),
            "photo.add",
            &format!("delegate:{}", delegate.id),
            &detail,
        )
        .await?;
    if liveness_low {
        Metrics::inc(&state.metrics.enrolment_liveness_low);
    }
    Ok(PhotoAccepted {
        photo_id: photo.id,
        quality,
        source,
        liveness,
        liveness_low,
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
    state.gallery_changed();
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
    state.gallery_changed();
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
