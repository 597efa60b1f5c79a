//! `rollcall eval --write-calibration FILE`: the score curves the server derives its thresholds
//! from, measured on this run's impostor probes against every enrolled template, for raw and for
//! AS-normalised scores (`rollcall_checkin::calibration`).

use std::sync::Arc;

use rollcall_checkin::calibration::Curve;
use rollcall_checkin::{Calibration, RecognitionConfig, Recognizer};
use rollcall_vision::{Face, EMBEDDING_DIM};

/// Every comparison score of `impostors` against `templates`, with raw or normalised scores, and
/// the scores between different people's templates.
fn comparison_scores(
    templates: &[(u64, [f32; EMBEDDING_DIM])],
    impostors: &[&Face],
    rec: &RecognitionConfig,
    normalised: bool,
    placeholder: &Arc<Calibration>,
) -> anyhow::Result<(Vec<f32>, Vec<f32>)> {
    let mut cfg = rec.clone();
    cfg.min_cohort = if normalised { 0 } else { usize::MAX };
    let recognizer = Recognizer::new(EMBEDDING_DIM, &cfg, Arc::clone(placeholder))?;
    recognizer.load(templates.iter().map(|(id, t)| (*id as i64, &t[..])))?;
    let mut scores = Vec::with_capacity(impostors.len() * templates.len());
    for face in impostors {
        let all = recognizer.candidates(&face.embedding, templates.len())?;
        scores.extend(all.hits.iter().map(|(_, s)| *s));
    }
    let (gallery, _, _) = recognizer.gallery_scores()?;
    Ok((scores, gallery))
}

/// Measures both curves. `placeholder` is any calibration: the thresholds are not used here.
pub(super) fn measure(
    templates: &[(u64, [f32; EMBEDDING_DIM])],
    impostors: &[&Face],
    rec: &RecognitionConfig,
    scoring: String,
    measured_on: &str,
    placeholder: &Arc<Calibration>,
) -> anyhow::Result<Calibration> {
    let (raw, gallery_raw) = comparison_scores(templates, impostors, rec, false, placeholder)?;
    let (normalised, gallery_normalised) =
        comparison_scores(templates, impostors, rec, true, placeholder)?;
    if raw.len() < 1000 {
        anyhow::bail!(
            "only {} impostor comparisons: too few to calibrate \
             (use more impostors or enrolled people)",
            raw.len()
        );
    }
    Ok(Calibration {
        scoring,
        measured_on: format!(
            "{measured_on}; {} impostor comparisons, {} between enrolled people",
            raw.len(),
            gallery_raw.len()
        ),
        raw: Curve::fit(raw),
        normalised: Curve::fit(normalised),
        gallery_raw: Some(Curve::fit(gallery_raw)),
        gallery_normalised: Some(Curve::fit(gallery_normalised)),
        populations: Vec::new(),
    })
}
